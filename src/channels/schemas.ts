import { z } from 'zod';
import { atomicAmountSchema, positiveAmountSchema } from '../shared/index.ts';
import { assetSymbolSchema } from './assets.ts';
import { signedStateSchema } from './state.ts';

export const balancesSchema = z
  .object({
    account: z.string(),
    balances: z.array(
      z.object({ asset: z.string(), decimals: z.number().int(), amount: atomicAmountSchema }),
    ),
  })
  .meta({ id: 'Balances' });

export const blockSchema = z
  .object({
    height: z.number().int(),
    prevHash: z.string(),
    hash: z.string(),
    kind: z.string(),
    memo: z.record(z.string(), z.unknown()),
    createdAt: z.number().int().meta({ description: 'milliseconds since the epoch' }),
    postings: z.array(z.object({ account: z.string(), asset: z.string(), amount: z.string() })),
    signature: z
      .string()
      .meta({ description: "Ed25519 by the gateway key over 'parley/ledger-block/v1\\n' + RFC 8785 JSON" }),
  })
  .meta({ id: 'LedgerBlock' });

export const ledgerInfoSchema = z
  .object({ height: z.number().int(), publicKey: z.string(), tag: z.string() })
  .meta({ id: 'LedgerInfo' });

export const transferSchema = z
  .object({
    to: z.string().min(8).max(200),
    asset: assetSymbolSchema,
    amount: positiveAmountSchema,
    memo: z.string().max(200).optional(),
  })
  .meta({ id: 'Transfer' });

export const adminMovementSchema = z
  .object({
    did: z.string().min(8).max(200),
    asset: assetSymbolSchema,
    amount: positiveAmountSchema,
    reference: z.string().max(200).optional(),
  })
  .meta({ id: 'AdminMovement' });

export const openChannelSchema = z
  .object({
    asset: assetSymbolSchema.default('TNZO'),
    deposit: positiveAmountSchema,
    payee: z
      .string()
      .min(8)
      .max(200)
      .optional()
      .meta({ description: 'Defaults to the gateway hub (system:hub)' }),
  })
  .meta({ id: 'OpenChannel' });

export const topUpSchema = z.object({ amount: positiveAmountSchema }).meta({ id: 'TopUp' });

export const closeChannelSchema = z
  .object({
    state: signedStateSchema.optional().meta({
      description:
        'final: true closes cooperatively at once; otherwise the latest state starts the challenge window',
    }),
  })
  .meta({ id: 'CloseChannel' });

export const stateBodySchema = z.object({ state: signedStateSchema }).meta({ id: 'StateBody' });

export const channelSchema = z
  .object({
    id: z.string(),
    payer: z.string(),
    payee: z.string(),
    asset: z.string(),
    deposit: atomicAmountSchema,
    nonce: z.number().int(),
    authorized: atomicAmountSchema,
    charged: atomicAmountSchema,
    remaining: atomicAmountSchema,
    status: z.enum(['open', 'closing', 'closed']),
    openedAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
    challengeEndsAt: z.iso.datetime().nullable(),
    closingNonce: z.number().int().nullable(),
    closingAmount: atomicAmountSchema.nullable(),
    settledAt: z.iso.datetime().nullable(),
    settlementHeight: z.number().int().nullable(),
    network: z.string().meta({ description: 'The gateway public key that channel states are bound to' }),
  })
  .meta({ id: 'Channel' });

export const closedChannelSchema = z
  .object({ channel: channelSchema, gatewaySignature: z.string().optional() })
  .meta({ id: 'ClosedChannel' });
