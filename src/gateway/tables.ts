import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** One row per gateway start: which version ran on this database, with which key, and when. */
export const gatewayBoots = sqliteTable('gateway_boots', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  startedAt: integer('started_at', { mode: 'timestamp_ms' }).notNull(),
  version: text('version').notNull(),
  publicKey: text('public_key').notNull(),
});
