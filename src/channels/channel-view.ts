import type { paymentChannels } from './tables.ts';

type Row = typeof paymentChannels.$inferSelect;

export interface ChannelView {
  id: string;
  payer: string;
  payee: string;
  asset: string;
  deposit: string;
  nonce: number;
  authorized: string;
  charged: string;
  remaining: string;
  status: 'open' | 'closing' | 'closed';
  openedAt: string;
  expiresAt: string;
  challengeEndsAt: string | null;
  closingNonce: number | null;
  closingAmount: string | null;
  settledAt: string | null;
  settlementHeight: number | null;
  network: string;
}

/** The wire form of a channel row. */
export function channelView(network: string, row: Row): ChannelView {
  const iso = (date: Date | null) => date?.toISOString() ?? null;
  return {
    id: row.id,
    payer: row.payerDid,
    payee: row.payee,
    asset: row.asset,
    deposit: row.deposit,
    nonce: row.nonce,
    authorized: row.authorized,
    charged: row.charged,
    remaining: (BigInt(row.deposit) - BigInt(row.charged)).toString(),
    status: row.status,
    openedAt: row.openedAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    challengeEndsAt: iso(row.challengeEndsAt),
    closingNonce: row.closingNonce,
    closingAmount: row.closingAmount,
    settledAt: iso(row.settledAt),
    settlementHeight: row.settlementHeight,
    network,
  };
}
