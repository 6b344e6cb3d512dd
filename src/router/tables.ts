import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { TeeModelPolicy } from './schemas.ts';

/** Models that providers publish, with the fields routing and pricing read. */
export const models = sqliteTable('models', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  description: text('description').notNull(),
  version: text('version').notNull(),
  category: text('category', { enum: ['LLM', 'ImageGen', 'Embedding', 'Speech', 'Custom'] }).notNull(),
  modality: text('modality', { enum: ['Text', 'Image', 'Audio', 'Multimodal'] }).notNull(),
  publisher: text('publisher').notNull(),
  pricePerToken: text('price_per_token').notNull(),
  minStake: text('min_stake').notNull(),
  teeRequired: integer('tee_required', { mode: 'boolean' }).notNull(),
  supportedFormats: text('supported_formats', { mode: 'json' }).$type<string[]>().notNull(),
  maxContextLength: integer('max_context_length').notNull(),
  parameters: text('parameters').notNull(),
  sha256: text('sha256').notNull(),
  teePolicy: text('tee_policy', { mode: 'json' }).$type<TeeModelPolicy>(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
});

/** Provider nodes: an identity serving models at an endpoint. */
export const providers = sqliteTable(
  'providers',
  {
    id: text('id').primaryKey(),
    did: text('did').notNull(),
    name: text('name').notNull(),
    endpoint: text('endpoint').notNull(),
    kind: text('kind', { enum: ['parley', 'openai'] }).notNull(),
    gpu: text('gpu', { mode: 'json' }).$type<{ name: string; vramGb: number } | null>(),
    teePlatform: text('tee_platform'),
    capacity: integer('capacity').notNull(),
    inFlight: integer('in_flight').notNull(),
    tokensPerSecond: integer('tokens_per_second').notNull(),
    registeredAt: integer('registered_at', { mode: 'timestamp_ms' }).notNull(),
    lastHeartbeatAt: integer('last_heartbeat_at', { mode: 'timestamp_ms' }).notNull(),
    bannedAt: integer('banned_at', { mode: 'timestamp_ms' }),
    banReason: text('ban_reason'),
    /** Set when the node announced it is shutting down; its next heartbeat or listing clears it. */
    drainingAt: integer('draining_at', { mode: 'timestamp_ms' }),
  },
  (table) => [index('providers_did').on(table.did)],
);

export const providerModels = sqliteTable(
  'provider_models',
  {
    providerId: text('provider_id')
      .notNull()
      .references(() => providers.id),
    modelId: text('model_id')
      .notNull()
      .references(() => models.id),
  },
  (table) => [primaryKey({ columns: [table.providerId, table.modelId] })],
);

/** Stake on its way out: released to the provider's identity after the unbonding period. */
export const unbondings = sqliteTable(
  'stake_unbondings',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    providerId: text('provider_id')
      .notNull()
      .references(() => providers.id),
    amount: text('amount').notNull(),
    releaseAt: integer('release_at', { mode: 'timestamp_ms' }).notNull(),
    releasedAt: integer('released_at', { mode: 'timestamp_ms' }),
  },
  (table) => [index('stake_unbondings_due').on(table.releasedAt, table.releaseAt)],
);

/** Every slash, with the reason, the evidence and the ledger block that moved the funds. */
export const slashes = sqliteTable(
  'stake_slashes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    providerId: text('provider_id')
      .notNull()
      .references(() => providers.id),
    reason: text('reason').notNull(),
    amount: text('amount').notNull(),
    evidence: text('evidence', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    height: integer('height').notNull(),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
  },
  (table) => [index('stake_slashes_provider').on(table.providerId)],
);

/**
 * Which providers may serve which models in a TEE: from a valid appraisal of evidence bound to the
 * provider's key and the model's hash, until that appraisal expires. Survives gateway restarts.
 */
export const teeCapabilities = sqliteTable(
  'tee_capabilities',
  {
    providerId: text('provider_id')
      .notNull()
      .references(() => providers.id),
    modelId: text('model_id')
      .notNull()
      .references(() => models.id),
    platform: text('platform').notNull(),
    appraisalId: text('appraisal_id').notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.providerId, table.modelId] })],
);
