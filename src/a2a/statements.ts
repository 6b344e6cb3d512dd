import { and, asc, eq, sql } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { once } from '../shared/index.ts';
import { a2aMessages, a2aPushConfigs, a2aTasks } from './tables.ts';

const p = (name: string) => sql.placeholder(name);

/**
 * The statements every task event runs, each prepared once on first use. JSON columns go in and
 * come out as text (`sql` around the placeholder or column skips drizzle's JSON mapping), so the
 * store serializes each task once and can compare it with what the row already holds.
 */
export function taskStatements(orm: BetterSQLite3Database) {
  return {
    upsert: once(() =>
      orm
        .insert(a2aTasks)
        .values({
          tenant: p('tenant'),
          owner: p('owner'),
          id: p('id'),
          contextId: p('contextId'),
          state: p('state'),
          statusTimestamp: p('statusTimestamp'),
          task: sql`${p('task')}`,
          updatedAt: p('updatedAt'),
        })
        .onConflictDoUpdate({
          target: [a2aTasks.tenant, a2aTasks.owner, a2aTasks.id],
          set: {
            contextId: sql`excluded.context_id`,
            state: sql`excluded.state`,
            statusTimestamp: sql`excluded.status_timestamp`,
            task: sql`excluded.task`,
            updatedAt: sql`excluded.updated_at`,
          },
        })
        .prepare(),
    ),
    byId: once(() =>
      orm
        .select({ task: sql<string>`${a2aTasks.task}` })
        .from(a2aTasks)
        .where(
          and(eq(a2aTasks.tenant, p('tenant')), eq(a2aTasks.owner, p('owner')), eq(a2aTasks.id, p('id'))),
        )
        .prepare(),
    ),
  };
}

export function messageStatements(orm: BetterSQLite3Database) {
  return {
    byId: once(() =>
      orm
        .select({ taskId: a2aMessages.taskId, reply: a2aMessages.reply })
        .from(a2aMessages)
        .where(
          and(
            eq(a2aMessages.tenant, p('tenant')),
            eq(a2aMessages.owner, p('owner')),
            eq(a2aMessages.messageId, p('messageId')),
          ),
        )
        .prepare(),
    ),
    /** `reply` is JSON text or null: a placeholder on the JSON column itself would store null as "null". */
    insert: once(() =>
      orm
        .insert(a2aMessages)
        .values({
          tenant: p('tenant'),
          owner: p('owner'),
          messageId: p('messageId'),
          taskId: p('taskId'),
          reply: sql`${p('reply')}`,
          receivedAt: p('receivedAt'),
        })
        .onConflictDoNothing()
        .prepare(),
    ),
  };
}

export function pushStatements(orm: BetterSQLite3Database) {
  const ofTask = () =>
    and(
      eq(a2aPushConfigs.tenant, p('tenant')),
      eq(a2aPushConfigs.owner, p('owner')),
      eq(a2aPushConfigs.taskId, p('taskId')),
    );
  return {
    ofTask: once(() =>
      orm
        .select({ config: a2aPushConfigs.config, wireVersion: a2aPushConfigs.wireVersion })
        .from(a2aPushConfigs)
        .where(ofTask())
        .orderBy(asc(a2aPushConfigs.createdAt), asc(a2aPushConfigs.configId))
        .prepare(),
    ),
    tasksWithConfigs: once(() =>
      orm
        .selectDistinct({
          tenant: a2aPushConfigs.tenant,
          owner: a2aPushConfigs.owner,
          taskId: a2aPushConfigs.taskId,
        })
        .from(a2aPushConfigs)
        .prepare(),
    ),
    upsert: once(() =>
      orm
        .insert(a2aPushConfigs)
        .values({
          tenant: p('tenant'),
          owner: p('owner'),
          taskId: p('taskId'),
          configId: p('configId'),
          config: p('config'),
          wireVersion: p('wireVersion'),
          createdAt: p('createdAt'),
        })
        .onConflictDoUpdate({
          target: [
            a2aPushConfigs.tenant,
            a2aPushConfigs.owner,
            a2aPushConfigs.taskId,
            a2aPushConfigs.configId,
          ],
          set: { config: sql`excluded.config`, wireVersion: sql`excluded.wire_version` },
        })
        .prepare(),
    ),
    delete: once(() =>
      orm
        .delete(a2aPushConfigs)
        .where(and(ofTask(), eq(a2aPushConfigs.configId, p('configId'))))
        .prepare(),
    ),
  };
}
