import { Role, type Task, TaskState } from '@a2a-js/sdk';
import {
  InMemoryTaskStore,
  ServerCallContext,
  type TaskStore,
  UnauthenticatedUser,
} from '@a2a-js/sdk/server';
import { describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase } from '../gateway/database.ts';
import { ManualClock } from '../shared/index.ts';
import { PrincipalUser } from './caller.ts';
import { SqliteTaskStore } from './task-store.ts';

const callerFor = (did: string) =>
  new ServerCallContext({
    user: new PrincipalUser({
      did,
      kind: 'autonomous',
      status: 'active',
      via: 'api-key',
      scope: { did, policy: {} },
    }),
  });

const alice = callerFor('did:parley:autonomous:alice');
const bob = callerFor('did:parley:autonomous:bob');

function task(id: string, state: TaskState, minute: number, contextId = 'ctx-1'): Task {
  return {
    id,
    contextId,
    status: { state, message: undefined, timestamp: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString() },
    artifacts: [
      { artifactId: `a-${id}`, name: 'out', description: '', parts: [], metadata: undefined, extensions: [] },
    ],
    history: [],
    metadata: { n: minute },
  };
}

/** The SDK's in-memory store and Parley's SQLite store answer the same questions the same way. */
const stores: Array<[string, () => TaskStore]> = [
  ['InMemoryTaskStore (SDK)', () => new InMemoryTaskStore()],
  [
    'SqliteTaskStore',
    () => {
      const db = openDatabase(':memory:');
      migrateDatabase(db);
      return new SqliteTaskStore(db.orm, new ManualClock());
    },
  ],
];

describe.each(stores)('%s', (_name, make) => {
  it('saves, overwrites and loads a task unchanged, only for its owner', async () => {
    const store = make();
    await store.save(task('t1', TaskState.TASK_STATE_WORKING, 1), alice);
    await store.save(task('t1', TaskState.TASK_STATE_COMPLETED, 2), alice);
    expect(await store.load('t1', alice)).toEqual(task('t1', TaskState.TASK_STATE_COMPLETED, 2));
    expect(await store.load('t1', bob)).toBeUndefined();
    expect(
      await store.load('t1', new ServerCallContext({ user: new UnauthenticatedUser() })),
    ).toBeUndefined();
    expect(await store.load('nope', alice)).toBeUndefined();
  });

  it('writes a task back to an earlier version, and a save after a load keeps the loaded changes', async () => {
    const store = make();
    const first = task('t1', TaskState.TASK_STATE_WORKING, 1);
    await store.save(first, alice);
    await store.save(task('t1', TaskState.TASK_STATE_COMPLETED, 2), alice);
    await store.save(first, alice);
    expect(await store.load('t1', alice)).toEqual(first);
    const loaded = (await store.load('t1', alice)) as Task;
    loaded.history.push({
      messageId: 'm2',
      contextId: 'ctx-1',
      taskId: 't1',
      role: Role.ROLE_USER,
      parts: [],
      metadata: undefined,
      extensions: [],
      referenceTaskIds: [],
    });
    await store.save(loaded, alice);
    expect((await store.load('t1', alice))?.history.map((message) => message.messageId)).toEqual(['m2']);
  });

  it('lists newest status first, pages with a token, filters by context, state and time', async () => {
    const store = make();
    for (let minute = 1; minute <= 5; minute++) {
      const state = minute % 2 ? TaskState.TASK_STATE_COMPLETED : TaskState.TASK_STATE_FAILED;
      await store.save(task(`t${minute}`, state, minute, minute <= 3 ? 'ctx-1' : 'ctx-2'), alice);
    }
    await store.save(task('other', TaskState.TASK_STATE_COMPLETED, 9), bob);
    const base = { tenant: '', contextId: '', status: TaskState.TASK_STATE_UNSPECIFIED, pageToken: '' };
    const first = await store.list({ ...base, pageSize: 2, statusTimestampAfter: undefined }, alice);
    expect(first.tasks.map((t) => t.id)).toEqual(['t5', 't4']);
    expect(first.totalSize).toBe(5);
    expect(first.tasks[0]?.artifacts).toEqual([]);
    const second = await store.list(
      { ...base, pageSize: 2, pageToken: first.nextPageToken, statusTimestampAfter: undefined },
      alice,
    );
    expect(second.tasks.map((t) => t.id)).toEqual(['t3', 't2']);
    const last = await store.list(
      { ...base, pageSize: 2, pageToken: second.nextPageToken, statusTimestampAfter: undefined },
      alice,
    );
    expect(last.tasks.map((t) => t.id)).toEqual(['t1']);
    expect(last.nextPageToken).toBe('');
    const failedInContext = await store.list(
      { ...base, contextId: 'ctx-1', status: TaskState.TASK_STATE_FAILED, statusTimestampAfter: undefined },
      alice,
    );
    expect(failedInContext.tasks.map((t) => t.id)).toEqual(['t2']);
    const recent = await store.list(
      { ...base, statusTimestampAfter: '2026-01-01T00:03:00Z', includeArtifacts: true },
      alice,
    );
    expect(recent.tasks.map((t) => t.id)).toEqual(['t5', 't4']);
    expect(recent.tasks[0]?.artifacts).toHaveLength(1);
  });
});

describe('SqliteTaskStore on a database another store also writes (a restart, a second server)', () => {
  it('skips only saves that match what it last read or wrote, so the other store’s writes are not lost', async () => {
    const db = openDatabase(':memory:');
    migrateDatabase(db);
    const before = new SqliteTaskStore(db.orm, new ManualClock());
    const after = new SqliteTaskStore(db.orm, new ManualClock());
    const working = task('t1', TaskState.TASK_STATE_WORKING, 1);
    const completed = task('t1', TaskState.TASK_STATE_COMPLETED, 2);
    await before.save(working, alice);
    await after.save(completed, alice);
    expect(await before.load('t1', alice)).toEqual(completed);
    await before.save(working, alice);
    expect(await after.load('t1', alice)).toEqual(working);
    await after.save(completed, alice);
    expect(await before.load('t1', alice)).toEqual(completed);
  });
});
