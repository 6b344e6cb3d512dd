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
import { taskStatements } from './statements.ts';
import { a2aTasks } from './tables.ts';

const defaultPageSize = 50;

/** The caller's partition: tenant (if any) and owner (the authenticated user's name). */
export function scopeOf(context: ServerCallContext) {
  return { tenant: context.tenant ?? '', owner: resolveUserScope(context) };
}

/** One key for an id within the caller's partition, for maps kept in memory. */
export function scopedKey(scope: { tenant: string; owner: string }, id: string): string {
  return `${scope.tenant}\u0000${scope.owner}\u0000${id}`;
}

/** The last time normalized: a task streaming artifacts saves the same status time again and again. */
let lastNormalized = { timestamp: '', normalized: '' };

/** Status times are compared as strings, so they are stored in one form: `Date#toISOString`. */
function normalizedTime(timestamp: string | undefined): string {
  if (!timestamp) return '';
  if (timestamp === lastNormalized.timestamp) return lastNormalized.normalized;
  const ms = Date.parse(timestamp);
  const normalized = Number.isNaN(ms) ? timestamp : new Date(ms).toISOString();
  lastNormalized = { timestamp, normalized };
  return normalized;
}

/** The SDK's page-token format (base64 of `timestamp|id`), so tokens mean the same in both stores. */
const encodePageToken = (timestamp: string, id: string) =>
  Buffer.from(`${timestamp}|${id}`).toString('base64');

function decodePageToken(token: string): { timestamp: string; id: string } {
  const [timestamp = '', ...rest] = Buffer.from(token, 'base64').toString('utf8').split('|');
  if (rest.length === 0) throw new RequestMalformedError('Invalid page token format.');
  return { timestamp, id: rest.join('|') };
}

/** How many tasks' last-seen rows the store remembers to skip unchanged saves (least recent go first). */
const rememberedTasks = 1_000;

/**
 * The durable TaskStore: tasks live in SQLite beside the ledger, so they survive a restart. Every
 * read and write is confined to the caller's (tenant, owner) partition.
 *
 * The SDK loads a task, merges an event into it and saves it, several times per task, and some of
 * those saves change nothing (the executor's first save echoed back as a task event, the history a
 * follow-up message already appended). The store remembers the row text it last read or wrote per
 * task and skips a save that would write the same text again.
 */
export class SqliteTaskStore implements TaskStore {
  private readonly statements: ReturnType<typeof taskStatements>;
  private readonly lastSeen = new Map<string, string>();

  constructor(
    private readonly orm: BetterSQLite3Database,
    private readonly clock: Clock,
  ) {
    this.statements = taskStatements(orm);
  }

  async save(task: Task, context: ServerCallContext): Promise<void> {
    const { tenant, owner } = scopeOf(context);
    const text = JSON.stringify(Task.toJSON(task));
    const key = scopedKey({ tenant, owner }, task.id);
    if (this.lastSeen.get(key) === text) return;
    this.statements.upsert().run({
      tenant,
      owner,
      id: task.id,
      contextId: task.contextId,
      state: taskStateToJSON(task.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED),
      statusTimestamp: normalizedTime(task.status?.timestamp),
      task: text,
      updatedAt: new Date(this.clock.now()),
    });
    this.remember(key, text);
  }

  async load(taskId: string, context: ServerCallContext): Promise<Task | undefined> {
    const scope = scopeOf(context);
    const row = this.statements.byId().get({ ...scope, id: taskId });
    if (!row) return undefined;
    this.remember(scopedKey(scope, taskId), row.task);
    return Task.fromJSON(JSON.parse(row.task));
  }

  /** Most recently seen last, so the first key is the one to forget. */
  private remember(key: string, text: string) {
    this.lastSeen.delete(key);
    this.lastSeen.set(key, text);
    if (this.lastSeen.size > rememberedTasks) {
      const oldest = this.lastSeen.keys().next().value;
      if (oldest !== undefined) this.lastSeen.delete(oldest);
    }
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
