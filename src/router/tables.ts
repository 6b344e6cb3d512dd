import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

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
