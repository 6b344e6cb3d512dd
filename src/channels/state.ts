import { z } from 'zod';
import { atomicAmountSchema, signedBytes } from '../shared/index.ts';

export const stateTag = 'parley/channel-state/v1';
export const receiptTag = 'parley/channel-receipt/v1';

/**
 * A channel state `(channelId, nonce, cumulativeAmount, final)`, signed by the payer. `network` is the
 * gateway's public key, so a state signed for one gateway (or one channel) is worthless on another.
 */
export const channelStateSchema = z
  .object({
    channelId: z.string().min(8).max(64),
    nonce: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    cumulativeAmount: atomicAmountSchema,
    final: z.boolean().default(false),
  })
  .meta({ id: 'ChannelState' });
export type ChannelState = z.infer<typeof channelStateSchema>;

export const signedStateSchema = channelStateSchema
  .extend({
    keyId: z.string().min(8).max(300).meta({ description: "DID URL of the payer's key" }),
    signature: z.string().regex(/^[0-9a-f]{128}$/),
  })
  .meta({
    id: 'SignedChannelState',
    description: 'A voucher: also sent base64url-encoded in the Parley-Voucher header',
  });
export type SignedState = z.infer<typeof signedStateSchema>;

export function stateBytes(network: string, state: ChannelState): Uint8Array {
  return signedBytes(stateTag, { network, ...state });
}

export interface Receipt {
  channelId: string;
  nonce: number;
  charged: string;
  sequence: number;
  issuedAt: number;
  signature: string;
}

export function receiptBytes(network: string, receipt: Omit<Receipt, 'signature'>): Uint8Array {
  return signedBytes(receiptTag, { network, ...receipt });
}

/** `Parley-Voucher` header value ⇄ signed state. */
export function encodeVoucher(state: SignedState): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

export function decodeVoucher(header: string): unknown {
  try {
    return JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** 0.5% of what was paid, split 40% treasury / 30% burn / 30% stakers; rounding goes to treasury. */
export function commissionOf(paid: bigint): {
  total: bigint;
  treasury: bigint;
  burn: bigint;
  stakers: bigint;
} {
  const total = (paid * 5n) / 1000n;
  const burn = (total * 3n) / 10n;
  const stakers = (total * 3n) / 10n;
  return { total, treasury: total - burn - stakers, burn, stakers };
}
