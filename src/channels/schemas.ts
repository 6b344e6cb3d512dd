import { z } from 'zod';
import { atomicAmountSchema, positiveAmountSchema } from '../shared/index.ts';
import { assetSymbolSchema } from './assets.ts';

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
