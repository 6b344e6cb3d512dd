import { z } from 'zod';
import { signedStateSchema } from '../channels/index.ts';
import { routingStrategySchema } from '../router/index.ts';
import { atomicAmountSchema, positiveAmountSchema } from '../shared/index.ts';
import { teePlatformSchema } from '../tee/index.ts';
import {
  blockSchema,
  channelSchema,
  createdWalletSchema,
  identitySchema,
  modelSchema,
  parleyBillingSchema,
  providerSchema,
} from './area-internals.ts';

/** Wire shapes of the MCP tools: every input and output schema, one place. */

const did = z.string().min(8).max(200);
const asset = z
  .string()
  .regex(/^[A-Z][A-Z0-9]{1,15}$/, 'an asset symbol such as TNZO')
  .default('TNZO')
  .describe('Asset symbol: TNZO (18 decimals), USDC or USDT (6 decimals)');
const amount = positiveAmountSchema.describe(
  'Atomic units as a decimal string: 1 TNZO = "1000000000000000000" (18 zeros), 1 USDC = "1000000"',
);
const channelId = z.string().min(4).max(64).describe('The channel id returned by open_channel');

export const emptyInput = z.object({});

// Ledger

export const getBalanceInput = z.object({
  did: did.optional().describe('Whose balances; defaults to your own identity'),
});
export const balancesOutput = z.object({
  account: z.string(),
  balances: z.array(
    z.object({
      asset: z.string(),
      decimals: z.number().int(),
      amount: atomicAmountSchema.describe('atomic units'),
      formatted: z.string().describe('the same amount in whole units, e.g. "1000.5"'),
    }),
  ),
});

export const sendTransactionInput = z.object({
  to: did.describe('DID of the registered identity to pay'),
  asset,
  amount,
  memo: z.string().max(200).optional().describe('A note recorded in the ledger block'),
});
export const blockOutput = z.object({ block: blockSchema });

export const getBlockInput = z.object({
  height: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('Block height; omit for the latest block (the ledger tip)'),
});
export const getBlockOutput = z.object({
  block: blockSchema,
  tip: z.number().int().describe('The current ledger height'),
  publicKey: z.string().describe('The gateway key that signs every block (Ed25519, hex)'),
});

// Node and registry

export const nodeStatusOutput = z.object({
  name: z.literal('parley'),
  version: z.string(),
  publicKey: z.string(),
  startedAt: z.iso.datetime(),
  uptimeSeconds: z.number().int(),
  ledgerHeight: z.number().int(),
  models: z.object({ registered: z.number().int(), available: z.number().int() }),
  providers: z.object({
    total: z.number().int(),
    active: z.number().int(),
    degraded: z.number().int(),
    inactive: z.number().int(),
    banned: z.number().int(),
  }),
  mcpSessions: z.number().int(),
});

export const listModelsInput = z.object({
  category: z.enum(['LLM', 'ImageGen', 'Embedding', 'Speech', 'Custom']).optional(),
  modality: z.enum(['Text', 'Image', 'Audio', 'Multimodal']).optional(),
  max_price: atomicAmountSchema.optional().describe('Highest base price per token, atomic TNZO'),
  min_context: z.number().int().nonnegative().optional().describe('Smallest context length, in tokens'),
  tee: z.boolean().optional().describe('Only models that require (true) or do not require (false) a TEE'),
  q: z.string().max(100).optional().describe('Text to look for in the id, name or description'),
  available_only: z
    .boolean()
    .default(false)
    .describe('Only models some healthy provider serves right now (what chat can use)'),
});
export const listedModelSchema = modelSchema.extend({
  available: z
    .boolean()
    .describe('Some provider could be routed to now: Active or Degraded, staked, attested if required'),
});
export const listModelsOutput = z.object({ models: z.array(listedModelSchema) });

export const listProvidersInput = z.object({
  model: z.string().min(1).max(128).optional().describe('Only providers that serve this model'),
});
export const listProvidersOutput = z.object({ providers: z.array(providerSchema) });

export const getQuoteInput = z.object({
  model: z.string().min(1).max(128),
  tokens: z.number().int().positive().max(10_000_000).describe('How many output tokens to price'),
  asset,
  provider: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .describe('Price at this provider; default: the least loaded'),
});
export const quoteOutput = z.object({
  model: z.string(),
  provider: z.string(),
  asset: z.string(),
  tokens: z.number().int(),
  basePricePerToken: atomicAmountSchema,
  factors: z.object({ size: z.string(), utilization: z.string(), tee: z.string() }),
  rate: z.object({ numerator: z.string(), denominator: z.string() }),
  total: atomicAmountSchema.describe('What the tokens cost, atomic units of the asset'),
  perToken: atomicAmountSchema,
  formula: z.string(),
});

// Identity

export const registerIdentityInput = z.object({
  kind: z
    .enum(['autonomous', 'human', 'machine'])
    .default('autonomous')
    .describe('autonomous: an agent answerable to no one; machine needs a controller and its signature'),
  capabilities: z
    .array(z.string().regex(/^[a-z][a-z0-9_.:-]{0,63}$/))
    .max(32)
    .default(['inference']),
  keys: z
    .array(z.string())
    .min(1)
    .max(8)
    .optional()
    .describe(
      'Your own did:key keys; omit them and the gateway generates one key and returns its secret once',
    ),
  challenge: z
    .string()
    .optional()
    .describe('With your own keys: a challenge from POST /v1/identities/challenges, signed in every proof'),
  proofs: z
    .array(z.object({ key: z.string(), signature: z.string() }))
    .optional()
    .describe('With your own keys: each key signs "parley/identity-registration/v1\\n" + RFC 8785 JSON'),
  controller: did.optional().describe('kind machine: the controlling identity'),
  controllerProof: z.object({ keyId: z.string(), signature: z.string() }).optional(),
  activate: z.boolean().default(true),
});
export const registerIdentityOutput = z.object({
  identity: identitySchema,
  generatedKey: z
    .object({
      keyId: z.string().describe('DID URL of the key, for signed requests and vouchers'),
      didKey: z.string(),
      secretKey: z.string().describe('Ed25519 secret key, hex: shown once, the gateway keeps no copy'),
    })
    .optional(),
  apiKey: z
    .object({ id: z.string(), secret: z.string().describe('Authorization: Bearer <secret>; shown once') })
    .optional(),
});

export const resolveDidInput = z.object({
  did: did.describe('A did:parley:… or did:key:z6Mk… identifier'),
});
export const resolveDidOutput = z.object({
  document: z.looseObject({ id: z.string() }).describe('The W3C DID document'),
});

export const createWalletInput = z.object({
  did: did.optional().describe('The identity the wallet is for; defaults to you'),
});
export const createWalletOutput = z.object({ wallet: createdWalletSchema });

const receiptSchema = z.object({
  channelId: z.string(),
  nonce: z.number().int(),
  charged: atomicAmountSchema,
  sequence: z.number().int(),
  issuedAt: z.number().int(),
  signature: z.string().regex(/^[0-9a-f]{128}$/),
});
const hex = z.string().regex(/^[0-9a-fA-F]*$/, 'hex');
const attestationSchema = z.object({
  platform: teePlatformSchema,
  evidence: z
    .string()
    .min(1)
    .max(200_000)
    .describe(
      'The evidence, base64: an SEV-SNP report, a TDX quote, a Nitro document, NVIDIA SPDM request ‖ response',
    ),
  certificates: z
    .string()
    .min(1)
    .max(200_000)
    .optional()
    .describe(
      'PEM: the VCEK chain (SEV-SNP) or the device chain (NVIDIA), when the evidence does not carry it',
    ),
  expected: z
    .object({
      reportData: hex
        .max(128)
        .optional()
        .describe('What report_data / user_data must hold (a prefix, rest zero)'),
      nonce: hex.max(2048).optional().describe('The nonce you asked the TEE to sign (Nitro, NVIDIA)'),
      issuedAt: z.iso
        .datetime()
        .optional()
        .describe('When you issued that nonce: evidence without a timestamp of its own is as fresh as it'),
    })
    .optional(),
  allowDebug: z.boolean().default(false).describe('Accept debug guests, whose memory the host can read'),
  maxAgeSeconds: z
    .number()
    .int()
    .positive()
    .max(31 * 86_400)
    .optional(),
});
export const verifyProofInput = z.object({
  receipt: receiptSchema
    .optional()
    .describe('An inference receipt: `billing.receipt` from chat (or `parley.receipt` over HTTP)'),
  ledger_block: blockSchema.optional().describe('A ledger block, as get_block returns it'),
  attestation: attestationSchema
    .optional()
    .describe("A TEE attestation (a provider's, say), verified against the platform vendor's pinned root"),
});
export type AttestationInput = z.output<typeof attestationSchema>;
export const verifyProofOutput = z.object({
  kind: z.enum(['receipt', 'ledger_block', 'tee_attestation']),
  valid: z.boolean().describe('Every check passed'),
  signer: z.string().describe('Whose signature was checked: the gateway key (hex) or the TEE platform root'),
  checks: z.array(z.object({ check: z.string(), ok: z.boolean(), detail: z.string() })),
  appraisal: z
    .object({
      id: z.string().describe('The stored appraisal, for audit (GET /v1/attestations/{id})'),
      claims: z.record(z.string(), z.unknown()).describe('What the evidence says: measurements, TCB, debug…'),
      expiresAt: z.string().nullable(),
    })
    .optional(),
});

// Channels

export const openChannelInput = z.object({
  asset,
  deposit: amount.describe('What to lock in escrow from your balance, atomic units'),
  payee: did.optional().describe('Defaults to the gateway hub, which is what chat needs'),
});
export const channelOutput = z.object({ channel: channelSchema });

export const getChannelInput = z.object({ channel_id: channelId });

export const closeChannelInput = z.object({
  channel_id: channelId,
  state: signedStateSchema
    .optional()
    .describe(
      'A payer-signed state: final true closes and settles at once; otherwise a challenge window opens',
    ),
});
// A fresh object: a top-level schema with an id would turn into a bare $ref, and MCP wants an object.
export const closeChannelOutput = z.object({
  channel: channelSchema,
  gatewaySignature: z.string().optional().describe("The gateway's countersignature of a cooperative close"),
});

// Inference

export const voucherSchema = z
  .union([signedStateSchema, z.string().min(16).max(4096)])
  .describe(
    'A payer-signed channel state (or its base64url JSON, as in the Parley-Voucher header) with the next ' +
      'nonce and cumulativeAmount = what the channel has charged + what this call may cost',
  );

export const chatInput = z.object({
  model: z.string().min(1).max(128).describe('A model id from list_models (available: true)'),
  messages: z
    .array(
      z.object({
        role: z.enum(['system', 'user', 'assistant']),
        content: z.string().max(1_000_000),
      }),
    )
    .min(1)
    .max(4096),
  max_tokens: z.number().int().positive().max(1_000_000).optional().describe('Most output tokens'),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  seed: z.number().int().optional(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).optional(),
  routing: routingStrategySchema
    .optional()
    .describe('How to pick the provider; default: the gateway setting'),
  voucher: voucherSchema
    .optional()
    .describe('Payment for a priced model (or send it as _meta["parley/voucher"]); free models need none'),
});
export const chatOutput = z.object({
  model: z.string(),
  text: z.string().describe("The assistant's answer"),
  finish_reason: z
    .string()
    .nullable()
    .describe('stop, length, or payment_limit when the voucher ran out before the answer did'),
  usage: z.object({
    prompt_tokens: z.number().int(),
    completion_tokens: z.number().int(),
    total_tokens: z.number().int(),
  }),
  billing: parleyBillingSchema.describe('Who served it, at what price, and the gateway-signed receipt'),
});
