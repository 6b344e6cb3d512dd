import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * The journal: one signed, hash-chained block per ledger transaction. Amounts are TEXT holding
 * decimal bigints (18-decimal assets overflow SQLite's 64-bit integers).
 */
export const ledgerBlocks = sqliteTable(
  'ledger_blocks',
  {
    height: integer('height').primaryKey(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
    kind: text('kind').notNull(),
    memo: text('memo', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    signature: text('signature').notNull(),
  },
  (table) => [index('ledger_blocks_created').on(table.createdAt)],
);

/** Double-entry postings of a block; per asset they sum to zero. */
export const ledgerPostings = sqliteTable(
  'ledger_postings',
  {
    height: integer('height')
      .notNull()
      .references(() => ledgerBlocks.height),
    position: integer('position').notNull(),
    account: text('account').notNull(),
    asset: text('asset').notNull(),
    amount: text('amount').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.height, table.position] }),
    index('ledger_postings_account').on(table.account, table.asset),
  ],
);

/** Balances cached from the postings, updated in the same transaction; `ledger verify` re-derives them. */
export const ledgerBalances = sqliteTable(
  'ledger_balances',
  {
    account: text('account').notNull(),
    asset: text('asset').notNull(),
    amount: text('amount').notNull(),
  },
  (table) => [primaryKey({ columns: [table.account, table.asset] })],
);

/** When each identity last drew from the development faucet. */
export const faucetClaims = sqliteTable('faucet_claims', {
  did: text('did').primaryKey(),
  lastClaimAt: integer('last_claim_at', { mode: 'timestamp_ms' }).notNull(),
});
