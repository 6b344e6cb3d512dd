import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * A2A tasks, scoped by tenant and owner (the caller's DID, or `admin`) so a caller only ever sees its
 * own. `task` holds the task in A2A 1.0 JSON (the SDK's `Task.toJSON`); the columns beside it are
 * what ListTasks filters and orders on.
 */
export const a2aTasks = sqliteTable(
  'a2a_tasks',
  {
    tenant: text('tenant').notNull(),
    owner: text('owner').notNull(),
    id: text('id').notNull(),
    contextId: text('context_id').notNull(),
    state: text('state').notNull(),
    /** ISO 8601 time of the latest status, '' when it has none; ListTasks orders by it. */
    statusTimestamp: text('status_timestamp').notNull(),
    task: text('task', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.tenant, table.owner, table.id] }),
    index('a2a_tasks_listing').on(table.tenant, table.owner, table.statusTimestamp, table.id),
  ],
);

/**
 * Every message id a caller has sent, with the task it started or joined (or the direct reply), so
 * that sending the same message again returns the same result instead of doing the work twice.
 */
export const a2aMessages = sqliteTable(
  'a2a_messages',
  {
    tenant: text('tenant').notNull(),
    owner: text('owner').notNull(),
    messageId: text('message_id').notNull(),
    taskId: text('task_id'),
    reply: text('reply', { mode: 'json' }).$type<Record<string, unknown>>(),
    receivedAt: integer('received_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.tenant, table.owner, table.messageId] })],
);

/** Push-notification webhooks registered for tasks, with the protocol version they were set over. */
export const a2aPushConfigs = sqliteTable(
  'a2a_push_configs',
  {
    tenant: text('tenant').notNull(),
    owner: text('owner').notNull(),
    taskId: text('task_id').notNull(),
    configId: text('config_id').notNull(),
    config: text('config', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    wireVersion: text('wire_version').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.tenant, table.owner, table.taskId, table.configId] })],
);
