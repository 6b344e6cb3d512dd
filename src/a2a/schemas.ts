import { z } from 'zod';
import { signedStateSchema } from '../channels/index.ts';
import { verifyRequestSchema } from '../tee/index.ts';
import {
  chatRequestSchema,
  closeChannelSchema,
  completionRequestSchema,
  issueDelegationSchema,
  modelQuerySchema,
  openChannelSchema,
  parleyBillingSchema,
  registerIdentitySchema,
  topUpSchema,
  transferSchema,
} from './areas.ts';

/**
 * What a message asks of a skill: one data part `{skill, action, …}`. Each action takes exactly what
 * the HTTP route it mirrors takes, so the two never drift.
 */
const didSchema = z.string().min(8).max(200);
const channelIdSchema = z.string().min(4).max(64);

const walletRequestSchema = z.discriminatedUnion('action', [
  z.object({
    skill: z.literal('wallet'),
    action: z.literal('balances'),
    did: didSchema.optional().meta({ description: 'Whose balances; defaults to the caller' }),
  }),
  transferSchema.extend({ skill: z.literal('wallet'), action: z.literal('transfer') }),
  z.object({ skill: z.literal('wallet'), action: z.literal('faucet') }),
]);

const identityRequestSchema = z.discriminatedUnion('action', [
  z.object({ skill: z.literal('identity'), action: z.literal('resolve'), did: didSchema }),
  z.object({ skill: z.literal('identity'), action: z.literal('get'), did: didSchema }),
  z.object({ skill: z.literal('identity'), action: z.literal('challenge') }),
  z.object({
    skill: z.literal('identity'),
    action: z.literal('register'),
    registration: registerIdentitySchema,
  }),
  z.object({
    skill: z.literal('identity'),
    action: z.literal('delegate'),
    delegation: issueDelegationSchema,
  }),
  z.object({ skill: z.literal('identity'), action: z.literal('delegation'), id: z.string().min(1).max(128) }),
  z.object({
    skill: z.literal('identity'),
    action: z.literal('revokeDelegation'),
    id: z.string().min(1).max(128),
  }),
]);

/** Inference requests are OpenAI request bodies plus `skill` and `action`; Parley streams them itself. */
export const chatSkillSchema = chatRequestSchema.extend({
  skill: z.literal('inference'),
  action: z.literal('chat'),
});
export const completionSkillSchema = completionRequestSchema.extend({
  skill: z.literal('inference'),
  action: z.literal('completion'),
});

const inferenceRequestSchema = z.discriminatedUnion('action', [
  z.object({
    skill: z.literal('inference'),
    action: z.literal('models'),
    filter: modelQuerySchema.optional(),
  }),
  chatSkillSchema,
  completionSkillSchema,
]);

const settlementRequestSchema = z.discriminatedUnion('action', [
  openChannelSchema.extend({ skill: z.literal('settlement'), action: z.literal('open') }),
  z.object({ skill: z.literal('settlement'), action: z.literal('get'), channelId: channelIdSchema }),
  z.object({ skill: z.literal('settlement'), action: z.literal('voucher'), state: signedStateSchema }),
  topUpSchema.extend({
    skill: z.literal('settlement'),
    action: z.literal('topup'),
    channelId: channelIdSchema,
  }),
  closeChannelSchema.extend({
    skill: z.literal('settlement'),
    action: z.literal('close'),
    channelId: channelIdSchema,
  }),
]);

export const receiptSchema = parleyBillingSchema.shape.receipt.unwrap();

const verificationRequestSchema = z.discriminatedUnion('action', [
  z.object({ skill: z.literal('verification'), action: z.literal('receipt'), receipt: receiptSchema }),
  // The body of POST /v1/attestations/verify, verified at the gateway's own clock.
  verifyRequestSchema
    .omit({ now: true })
    .extend({ skill: z.literal('verification'), action: z.literal('attestation') }),
]);

export const skillRequestSchema = z
  .discriminatedUnion('skill', [
    walletRequestSchema,
    identityRequestSchema,
    inferenceRequestSchema,
    settlementRequestSchema,
    verificationRequestSchema,
  ])
  .meta({ id: 'A2ASkillRequest', description: 'One data part of an A2A message to Parley' });
export type SkillRequest = z.infer<typeof skillRequestSchema>;
export type SkillName = SkillRequest['skill'];
export type InferenceRequest = z.infer<typeof chatSkillSchema> | z.infer<typeof completionSkillSchema>;

export const skillNames = ['wallet', 'identity', 'inference', 'settlement', 'verification'] as const;

/** Metadata keys of the a2a-x402 extension (x402 transport for A2A), and Parley's own. */
export const metadataKeys = {
  paymentStatus: 'x402.payment.status',
  paymentRequired: 'x402.payment.required',
  paymentPayload: 'x402.payment.payload',
  paymentReceipts: 'x402.payment.receipts',
  paymentError: 'x402.payment.error',
  voucher: 'parley/voucher',
  receipt: 'parley/receipt',
  billing: 'parley/billing',
} as const;

export const x402ExtensionUri = 'https://github.com/google-a2a/a2a-x402/v0.1';
export const callerLimitsExtensionUri = 'https://parley.dev/a2a/extensions/caller-limits/v1';

/**
 * A voucher as the client sends it: the `Parley-Voucher` header value (base64url JSON) or the
 * signed channel state itself.
 */
export const voucherSchema = z.union([z.string().min(16).max(4096), signedStateSchema]);

/** x402 PaymentPayload for the `parley-channel` scheme: the voucher is the payment. */
export const paymentPayloadSchema = z.looseObject({
  x402Version: z.number().int().optional(),
  accepted: z.looseObject({ scheme: z.literal('parley-channel') }).optional(),
  payload: z.looseObject({ voucher: voucherSchema }),
});

/** ListTasks under its pre-1.0 name `tasks/list`: filters as 0.3 clients spell them. */
export const legacyListTasksSchema = z.object({
  contextId: z.string().max(200).optional(),
  status: z
    .enum([
      'submitted',
      'working',
      'input-required',
      'auth-required',
      'completed',
      'failed',
      'canceled',
      'rejected',
    ])
    .optional(),
  pageSize: z.number().int().min(1).max(100).optional(),
  pageToken: z.string().max(512).optional(),
  historyLength: z.number().int().min(0).optional(),
  includeArtifacts: z.boolean().optional(),
  lastUpdatedAfter: z.iso.datetime({ offset: true }).optional(),
});
