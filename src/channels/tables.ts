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

/** Payment channels: a deposit in escrow that a payer spends through signed cumulative vouchers. */
export const paymentChannels = sqliteTable(
  'payment_channels',
  {
    id: text('id').primaryKey(),
    payerDid: text('payer_did').notNull(),
    payee: text('payee').notNull(),
    asset: text('asset').notNull(),
    deposit: text('deposit').notNull(),
    /** Highest voucher accepted: its nonce and the cumulative amount it authorizes. */
    nonce: integer('nonce').notNull(),
    authorized: text('authorized').notNull(),
    /** What metering has consumed and receipted; never above `authorized`. */
    charged: text('charged').notNull(),
    status: text('status', { enum: ['open', 'closing', 'closed'] }).notNull(),
    openedAt: integer('opened_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    closeRequestedAt: integer('close_requested_at', { mode: 'timestamp_ms' }),
    challengeEndsAt: integer('challenge_ends_at', { mode: 'timestamp_ms' }),
    closingNonce: integer('closing_nonce'),
    closingAmount: text('closing_amount'),
    settledAt: integer('settled_at', { mode: 'timestamp_ms' }),
    settlementHeight: integer('settlement_height'),
  },
  (table) => [
    index('payment_channels_payer').on(table.payerDid),
    index('payment_channels_status').on(table.status),
  ],
);

/** Every payer-signed state the gateway accepted or was shown, for disputes and the watchtower. */
export const channelStates = sqliteTable(
  'channel_states',
  {
    channelId: text('channel_id')
      .notNull()
      .references(() => paymentChannels.id),
    nonce: integer('nonce').notNull(),
    cumulative: text('cumulative').notNull(),
    final: integer('final', { mode: 'boolean' }).notNull(),
    keyId: text('key_id').notNull(),
    signature: text('signature').notNull(),
    receivedAt: integer('received_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.channelId, table.nonce] })],
);

/** Receipts the gateway signed: the charged cumulative amount after each metered request. */
export const channelReceipts = sqliteTable(
  'channel_receipts',
  {
    channelId: text('channel_id')
      .notNull()
      .references(() => paymentChannels.id),
    sequence: integer('sequence').notNull(),
    nonce: integer('nonce').notNull(),
    charged: text('charged').notNull(),
    requestId: text('request_id'),
    signature: text('signature').notNull(),
    issuedAt: integer('issued_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.channelId, table.sequence] })],
);
