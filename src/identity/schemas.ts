import { z } from 'zod';

import { atomicAmountSchema as amountSchema } from '../shared/index.ts';

export const identityKindSchema = z.enum(['human', 'machine', 'autonomous']);
export type IdentityKind = z.infer<typeof identityKindSchema>;

export const identityStatusSchema = z.enum(['created', 'active', 'suspended', 'terminated']);
export type IdentityStatus = z.infer<typeof identityStatusSchema>;

export const capabilitySchema = z
  .string()
  .regex(/^[a-z][a-z0-9_.:-]{0,63}$/, 'lowercase letters, digits and _ . : -')
  .meta({ description: 'wallet, identity, inference, settlement, verification, or a custom name' });

export const serviceSchema = z.object({
  id: z.string().regex(/^#[A-Za-z0-9_-]{1,64}$/, 'a fragment such as #a2a'),
  type: z.string().min(1).max(64),
  serviceEndpoint: z.url(),
});

export const didKeySchema = z
  .string()
  .regex(/^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]+$/, 'an Ed25519 did:key (did:key:z6Mk…)');

export const challengeSchema = z
  .object({ challenge: z.string(), expiresAt: z.iso.datetime() })
  .meta({ id: 'RegistrationChallenge' });

/** What a registration signs, each key and the controller over the same canonical bytes. */
export const registrationPayloadSchema = z.object({
  challenge: z.string().min(16).max(128),
  kind: identityKindSchema,
  keys: z.array(didKeySchema).min(1).max(8),
  controller: z
    .string()
    .optional()
    .meta({ description: 'DID of the controlling identity (kind machine only)' }),
  capabilities: z.array(capabilitySchema).max(32).default([]),
  services: z.array(serviceSchema).max(16).default([]),
});
export type RegistrationPayload = z.infer<typeof registrationPayloadSchema>;

export const signatureHexSchema = z.string().regex(/^[0-9a-f]{128}$/, '64-byte Ed25519 signature in hex');

export const registerIdentitySchema = registrationPayloadSchema
  .extend({
    proofs: z
      .array(z.object({ key: didKeySchema, signature: signatureHexSchema }))
      .min(1)
      .meta({ description: 'One signature per key over the registration payload' }),
    controllerProof: z
      .object({ keyId: z.string(), signature: signatureHexSchema })
      .optional()
      .meta({ description: "The controller's signature, with the DID URL of its key" }),
    activate: z.boolean().default(true).meta({ description: 'Move straight from Created to Active' }),
  })
  .meta({ id: 'RegisterIdentity' });

export const identitySchema = z
  .object({
    did: z.string(),
    kind: identityKindSchema,
    controller: z.string().optional(),
    status: identityStatusSchema,
    keys: z.array(z.object({ id: z.string(), didKey: z.string() })),
    capabilities: z.array(z.string()),
    services: z.array(serviceSchema),
    createdAt: z.iso.datetime(),
    transitions: z.array(
      z.object({
        from: identityStatusSchema.nullable(),
        to: identityStatusSchema,
        actor: z.string(),
        reason: z.string().nullable(),
        at: z.iso.datetime(),
      }),
    ),
  })
  .meta({ id: 'Identity' });
export type IdentityView = z.infer<typeof identitySchema>;

export const statusChangeSchema = z
  .object({ status: z.enum(['active', 'suspended', 'terminated']), reason: z.string().max(500).optional() })
  .meta({ id: 'StatusChange' });

/** The limits a delegation grants; absent means "no limit from this delegation". */
export const policySchema = z
  .object({
    max_transaction_value: amountSchema.optional(),
    max_daily_spend: amountSchema.optional(),
    allowed_operations: z.array(z.string().min(1).max(64)).max(64).optional(),
    allowed_models: z.array(z.string().min(1).max(128)).max(64).optional(),
    allowed_providers: z.array(z.string().min(1).max(256)).max(64).optional(),
    allowed_payment_protocols: z.array(z.string().min(1).max(64)).max(16).optional(),
    allowed_assets: z.array(z.string().min(1).max(16)).max(16).optional(),
  })
  .strict()
  .meta({ id: 'DelegationPolicy' });
export type Policy = z.infer<typeof policySchema>;

/** The signed part of a delegation (UCAN-like: iss, aud, nbf, exp, nonce, policy, prf). */
export const delegationPayloadSchema = z
  .object({
    v: z.literal(1),
    iss: z.string(),
    aud: z.string(),
    nbf: z.number().int().nonnegative().meta({ description: 'not before, Unix seconds' }),
    exp: z.number().int().positive().meta({ description: 'expires, Unix seconds (the time bound)' }),
    nonce: z.string().min(8).max(128),
    policy: policySchema,
    prf: z.array(z.string()).max(1).default([]).meta({ description: 'id of the parent delegation, if any' }),
  })
  .meta({ id: 'DelegationPayload' });
export type DelegationPayload = z.infer<typeof delegationPayloadSchema>;

export const issueDelegationSchema = z
  .object({ payload: delegationPayloadSchema, keyId: z.string(), signature: signatureHexSchema })
  .meta({ id: 'IssueDelegation' });

export const delegationSchema = z
  .object({
    id: z.string(),
    payload: delegationPayloadSchema,
    keyId: z.string(),
    signature: z.string(),
    revokedAt: z.iso.datetime().nullable(),
    effectivePolicy: policySchema,
  })
  .meta({ id: 'Delegation' });

export const createApiKeySchema = z
  .object({
    did: z
      .string()
      .optional()
      .meta({ description: 'Whose key; defaults to the caller (admins must name one)' }),
    name: z.string().min(1).max(64).default('default'),
    delegationId: z.string().optional(),
  })
  .meta({ id: 'CreateApiKey' });

export const apiKeySchema = z
  .object({
    id: z.string(),
    did: z.string(),
    name: z.string(),
    delegationId: z.string().nullable(),
    createdAt: z.iso.datetime(),
    revokedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'ApiKey' });

export const createdApiKeySchema = apiKeySchema
  .extend({ secret: z.string().meta({ description: 'Shown once: send as Authorization: Bearer <secret>' }) })
  .meta({ id: 'CreatedApiKey' });

export const createWalletSchema = z.object({ did: z.string().optional() }).meta({ id: 'CreateWallet' });

export const walletSchema = z
  .object({
    id: z.string(),
    did: z.string(),
    publicKey: z.string(),
    didKey: z.string(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Wallet' });

export const createdWalletSchema = walletSchema
  .extend({ agentShare: z.string().meta({ description: "The agent's share, shown once; keep it secret" }) })
  .meta({ id: 'CreatedWallet' });

export const walletSignSchema = z
  .object({
    message: z
      .string()
      .regex(/^([0-9a-f]{2})*$/, 'hex')
      .max(131_072),
    shares: z
      .array(z.enum(['agent', 'gateway', 'recovery']))
      .length(2)
      .meta({ description: 'Which two shares sign' }),
    agentShare: z
      .string()
      .optional()
      .meta({ description: "The agent's share, when 'agent' is one of the two" }),
  })
  .meta({ id: 'WalletSign' });

export const walletSignatureSchema = z
  .object({ signature: z.string(), publicKey: z.string() })
  .meta({ id: 'WalletSignature' });

/** Domain-separation tags of what identities sign. */
export const registrationTag = 'parley/identity-registration/v1';
export const delegationTag = 'parley/delegation/v1';
