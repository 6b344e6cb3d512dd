import { and, eq, sql } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { once } from '../shared/index.ts';
import { channelReceipts, channelStates, paymentChannels } from './tables.ts';

const p = (name: string) => sql.placeholder(name);

/** The statements of the per-request path (voucher, receipt), each prepared once on first use. */
export function channelStatements(orm: BetterSQLite3Database) {
  return {
    byId: once(() =>
      orm
        .select()
        .from(paymentChannels)
        .where(eq(paymentChannels.id, p('id')))
        .prepare(),
    ),
    advance: once(() =>
      orm
        .update(paymentChannels)
        .set({ nonce: sql`${p('nonce')}`, authorized: sql`${p('authorized')}` })
        .where(and(eq(paymentChannels.id, p('id')), eq(paymentChannels.nonce, p('previousNonce'))))
        .returning()
        .prepare(),
    ),
    /** What a receipt builds on: the channel's totals and its last receipt's sequence, in one query. */
    receiptBasis: once(() =>
      orm
        .select({
          nonce: paymentChannels.nonce,
          authorized: paymentChannels.authorized,
          charged: paymentChannels.charged,
          lastSequence: sql<number>`coalesce((select max(${channelReceipts.sequence}) from ${channelReceipts}
            where ${channelReceipts.channelId} = ${paymentChannels.id}), 0)`,
        })
        .from(paymentChannels)
        .where(eq(paymentChannels.id, p('id')))
        .prepare(),
    ),
    insertState: once(() =>
      orm
        .insert(channelStates)
        .values({
          channelId: p('channelId'),
          nonce: p('nonce'),
          cumulative: p('cumulative'),
          final: p('final'),
          keyId: p('keyId'),
          signature: p('signature'),
          receivedAt: p('receivedAt'),
        })
        .onConflictDoNothing()
        .prepare(),
    ),
    insertReceipt: once(() =>
      orm
        .insert(channelReceipts)
        .values({
          channelId: p('channelId'),
          sequence: p('sequence'),
          nonce: p('nonce'),
          charged: p('charged'),
          requestId: p('requestId'),
          signature: p('signature'),
          issuedAt: p('issuedAt'),
        })
        .prepare(),
    ),
    setCharged: once(() =>
      orm
        .update(paymentChannels)
        .set({ charged: sql`${p('charged')}` })
        .where(eq(paymentChannels.id, p('id')))
        .prepare(),
    ),
  };
}
