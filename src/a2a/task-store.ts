import {
  type ListTasksRequest,
  type ListTasksResponse,
  Task,
  TaskState,
  taskStateFromJSON,
  taskStateToJSON,
} from '@a2a-js/sdk';
import { RequestMalformedError } from '@a2a-js/sdk/errors';
import { resolveUserScope, type ServerCallContext, type TaskStore } from '@a2a-js/sdk/server';
import { and, count, desc, eq, gt, lt, or, type SQL } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { Clock } from '../shared/index.ts';
import { a2aTasks } from './tables.ts';

const defaultPageSize = 50;

/** The caller's partition: tenant (if any) and owner (the authenticated user's name). */
export function scopeOf(context: ServerCallContext) {
  return { tenant: context.tenant ?? '', owner: resolveUserScope(context) };
}

/** Status times are compared as strings, so they are stored in one form: `Date#toISOString`. */
function normalizedTime(timestamp: string | undefined): string {
  if (!timestamp) return '';
  const ms = Date.parse(timestamp);
  return Number.isNaN(ms) ? timestamp : new Date(ms).toISOString();
}

/** The SDK's page-token format (base64 of `timestamp|id`), so tokens mean the same in both stores. */
const encodePageToken = (timestamp: string, id: string) =>
  Buffer.from(`${timestamp}|${id}`).toString('base64');

function decodePageToken(token: string): { timestamp: string; id: string } {
  const [timestamp = '', ...rest] = Buffer.from(token, 'base64').toString('utf8').split('|');
  if (rest.length === 0) throw new RequestMalformedError('Invalid page token format.');
  return { timestamp, id: rest.join('|') };
}

/**
 * The durable TaskStore: tasks live in SQLite beside the ledger, so they survive a restart. Every
 * read and write is confined to the caller's (tenant, owner) partition.
 */
export class SqliteTaskStore implements TaskStore {
  constructor(
    private readonly orm: BetterSQLite3Database,
    private readonly clock: Clock,
  ) {}

  async save(task: Task, context: ServerCallContext): Promise<void> {
    const { tenant, owner } = scopeOf(context);
    const row = {
      contextId: task.contextId,
      state: taskStateToJSON(task.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED),
      statusTimestamp: normalizedTime(task.status?.timestamp),
      task: Task.toJSON(task) as Record<string, unknown>,
      updatedAt: new Date(this.clock.now()),
    };
    this.orm
      .insert(a2aTasks)
      .values({ tenant, owner, id: task.id, ...row })
      .onConflictDoUpdate({ target: [a2aTasks.tenant, a2aTasks.owner, a2aTasks.id], set: row })
      .run();
  }

  async load(taskId: string, context: ServerCallContext): Promise<Task | undefined> {
    const { tenant, owner } = scopeOf(context);
    const row = this.orm
      .select({ task: a2aTasks.task })
      .from(a2aTasks)
      .where(and(eq(a2aTasks.tenant, tenant), eq(a2aTasks.owner, owner), eq(a2aTasks.id, taskId)))
      .get();
    return row ? Task.fromJSON(row.task) : undefined;
  }

  /** Newest status first (then id), keyset-paged; artifacts only when asked for. */
  async list(params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> {
    const { tenant, owner } = scopeOf(context);
    const pageSize = params.pageSize ?? defaultPageSize;
    const filters: Array<SQL | undefined> = [eq(a2aTasks.tenant, tenant), eq(a2aTasks.owner, owner)];
    if (params.contextId) filters.push(eq(a2aTasks.contextId, params.contextId));
    if (params.status !== undefined && params.status !== TaskState.TASK_STATE_UNSPECIFIED)
      filters.push(eq(a2aTasks.state, taskStateToJSON(params.status)));
    if (params.statusTimestampAfter)
      filters.push(gt(a2aTasks.statusTimestamp, normalizedTime(params.statusTimestampAfter)));
    const total = this.orm
      .select({ n: count() })
      .from(a2aTasks)
      .where(and(...filters))
      .get();
    const page = [...filters];
    if (params.pageToken) {
      const cursor = decodePageToken(params.pageToken);
      page.push(
        or(
          lt(a2aTasks.statusTimestamp, cursor.timestamp),
          and(eq(a2aTasks.statusTimestamp, cursor.timestamp), lt(a2aTasks.id, cursor.id)),
        ),
      );
    }
    const rows = this.orm
      .select({ id: a2aTasks.id, statusTimestamp: a2aTasks.statusTimestamp, task: a2aTasks.task })
      .from(a2aTasks)
      .where(and(...page))
      .orderBy(desc(a2aTasks.statusTimestamp), desc(a2aTasks.id))
      .limit(pageSize + 1)
      .all();
    const shown = rows.slice(0, pageSize);
    const last = shown.at(-1);
    return {
      tasks: shown.map((row) => {
        const task = Task.fromJSON(row.task);
        if (!params.includeArtifacts) task.artifacts = [];
        return task;
      }),
      nextPageToken: rows.length > pageSize && last ? encodePageToken(last.statusTimestamp, last.id) : '',
      pageSize,
      totalSize: total?.n ?? 0,
    };
  }
}

/** `completed` or `TASK_STATE_COMPLETED` → TaskState; undefined for anything else. */
export function taskStateOf(name: string): TaskState | undefined {
  const state = taskStateFromJSON(
    name.startsWith('TASK_STATE_') ? name : `TASK_STATE_${name.replace(/-/g, '_').toUpperCase()}`,
  );
  return state === TaskState.UNRECOGNIZED ? undefined : state;
}
