import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Message, type Task, TaskState } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase } from '../gateway/database.ts';
import { buildTestApp, readJson } from '../gateway/testing.ts';
import { IdentityClient } from '../identity/testing.ts';
import { seededRng } from '../shared/index.ts';
import { metadataKeys } from './schemas.ts';
import {
  a2aClient,
  bearerFetch,
  collect,
  type DelegatedAgent,
  delegatedAgent,
  paidInference,
  type ServedGateway,
  sendRequest,
  serveOnLoopback,
  startGateway,
  TNZO,
  textPart,
  userMessage,
} from './testing.ts';

let gateway: ServedGateway;
let caller: DelegatedAgent;
let client: Client;

beforeAll(async () => {
  gateway = await startGateway();
  caller = await delegatedAgent(gateway.identity);
  client = await a2aClient(gateway.url, bearerFetch(caller.apiKey));
});
afterAll(() => gateway.close());

const balances = { skill: 'wallet', action: 'balances' };
const asTask = (result: Message | Task): Task => {
  if (!('status' in result)) throw new Error('expected a task');
  return result;
};
const noTaskParams = { tenant: '', metadata: undefined };

describe('tasks', () => {
  it('GetTask returns the stored task, its history cut to historyLength', async () => {
    const task = asTask(await client.sendMessage(sendRequest(balances)));
    const full = await client.getTask({ tenant: '', id: task.id, historyLength: undefined });
    expect(full.history.map((message) => message.role)).toEqual([1, 2, 2]);
    const last = await client.getTask({ tenant: '', id: task.id, historyLength: 1 });
    expect(last.history).toEqual([full.history[2]]);
    expect(last.artifacts).toEqual(full.artifacts);
  });

  it('ListTasks filters by context and state and pages with a token, only over the caller’s tasks', async () => {
    const lister = await delegatedAgent(gateway.identity);
    const own = await a2aClient(gateway.url, bearerFetch(lister.apiKey));
    const contextId = 'ctx-listing';
    const sent: Task[] = [];
    for (let i = 0; i < 3; i++) {
      gateway.built.clock.advance(1000);
      sent.push(asTask(await own.sendMessage(sendRequest(balances, { contextId }))));
    }
    const rejected = asTask(await own.sendMessage(sendRequest({ skill: 'wallet', action: 'transfer' })));
    const base = { tenant: '', contextId, status: TaskState.TASK_STATE_UNSPECIFIED, pageToken: '' };
    const first = await own.listTasks({ ...base, pageSize: 2, statusTimestampAfter: undefined });
    expect(first.tasks.map((task) => task.id)).toEqual([sent[2]?.id, sent[1]?.id]);
    expect(first.totalSize).toBe(3);
    const second = await own.listTasks({
      ...base,
      pageSize: 2,
      pageToken: first.nextPageToken,
      statusTimestampAfter: undefined,
    });
    expect(second.tasks.map((task) => task.id)).toEqual([sent[0]?.id]);
    const refused = await own.listTasks({
      ...base,
      contextId: '',
      status: TaskState.TASK_STATE_REJECTED,
      statusTimestampAfter: undefined,
    });
    expect(refused.tasks.map((task) => task.id)).toEqual([rejected.id]);
    const others = await client.listTasks({ ...base, statusTimestampAfter: undefined });
    expect(others.tasks).toEqual([]);
  });

  it('keeps tasks private: another caller gets task not found (-32001)', async () => {
    const task = asTask(await client.sendMessage(sendRequest(balances)));
    const stranger = await delegatedAgent(gateway.identity);
    const theirs = await a2aClient(gateway.url, bearerFetch(stranger.apiKey));
    await expect(theirs.getTask({ tenant: '', id: task.id, historyLength: undefined })).rejects.toMatchObject(
      {
        envelopeCode: -32001,
      },
    );
    await expect(theirs.cancelTask({ ...noTaskParams, id: task.id })).rejects.toMatchObject({
      envelopeCode: -32001,
    });
  });

  it('cancels a task waiting for payment; a finished task is not cancelable (-32002) nor subscribable (-32004)', async () => {
    const paid = await paidInference(gateway);
    const payer = await a2aClient(gateway.url, bearerFetch(paid.payer.apiKey));
    const chat = {
      skill: 'inference',
      action: 'chat',
      model: 'llama-1b',
      messages: [{ role: 'user', content: 'x' }],
    };
    const parked = asTask(await payer.sendMessage(sendRequest(chat)));
    expect(parked.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    const canceled = await payer.cancelTask({ ...noTaskParams, id: parked.id });
    expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    await paid.upstream.close();

    const done = asTask(await client.sendMessage(sendRequest(balances)));
    await expect(client.cancelTask({ ...noTaskParams, id: done.id })).rejects.toMatchObject({
      envelopeCode: -32002,
    });
    await expect(collect(client.resubscribeTask({ tenant: '', id: done.id }))).rejects.toMatchObject({
      envelopeCode: -32004,
    });
    // A message to a finished task is refused too.
    await expect(
      client.sendMessage({
        tenant: '',
        message: userMessage([textPart('more')], { taskId: done.id }),
        configuration: undefined,
        metadata: undefined,
      }),
    ).rejects.toMatchObject({ envelopeCode: -32004 });
  });

  it('answers a repeated message id with the first result: one transfer, the same task', async () => {
    const payer = await delegatedAgent(gateway.identity);
    const own = await a2aClient(gateway.url, bearerFetch(payer.apiKey));
    await own.sendMessage(sendRequest({ skill: 'wallet', action: 'faucet' }));
    const recipient = await gateway.identity.register('autonomous');
    const transfer = sendRequest({
      skill: 'wallet',
      action: 'transfer',
      to: recipient.did,
      asset: 'TNZO',
      amount: TNZO.toString(),
    });
    const [first, concurrent] = await Promise.all([own.sendMessage(transfer), own.sendMessage(transfer)]);
    const again = await own.sendMessage(transfer);
    const streamed = await collect(own.sendMessageStream(transfer));
    expect(asTask(concurrent).id).toBe(asTask(first).id);
    expect(asTask(again).id).toBe(asTask(first).id);
    expect(streamed).toHaveLength(1);
    expect(streamed[0]?.payload?.$case === 'task' && streamed[0].payload.value.id).toBe(asTask(first).id);
    const after = await readJson(
      await gateway.identity.app.request(`/v1/accounts/${recipient.did}/balances`),
    );
    expect(after.balances[0].amount).toBe(TNZO.toString());
    // A direct reply is remembered the same way.
    const unclear = {
      tenant: '',
      message: userMessage([textPart('hm?')]),
      configuration: undefined,
      metadata: undefined,
    };
    const reply = (await own.sendMessage(unclear)) as Message;
    expect(((await own.sendMessage(unclear)) as Message).messageId).toBe(reply.messageId);
  });
});

describe('a restart', () => {
  it('keeps tasks in SQLite: a new app on the same file serves them, and finishes a parked paid task', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'parley-a2a-'));
    const file = `file:${join(directory, 'parley.db')}`;
    const db = openDatabase(file);
    migrateDatabase(db);
    const built = buildTestApp({ db, maxBodyBytes: 65_536 });
    const served = await serveOnLoopback(built.app.fetch);
    const first: ServedGateway = { ...served, built, identity: new IdentityClient(built) };
    const paid = await paidInference(first);
    const before = await a2aClient(first.url, bearerFetch(paid.payer.apiKey));
    const done = asTask(await before.sendMessage(sendRequest(balances)));
    const stored = await before.getTask({ tenant: '', id: done.id, historyLength: undefined });
    const chat = {
      skill: 'inference',
      action: 'chat',
      model: 'llama-1b',
      messages: [{ role: 'user', content: 'x' }],
      max_tokens: 3,
    };
    const parked = asTask(await before.sendMessage(sendRequest(chat)));
    const required = parked.status?.message?.metadata?.[metadataKeys.paymentRequired];
    const voucher = await paid.voucher(BigInt(required.accepts[0].amount));
    await served.close();
    db.close();

    // Same database file and gateway key, fresh process state (and a different RNG stream).
    const reopened = openDatabase(file);
    const rebuilt = buildTestApp({
      db: reopened,
      maxBodyBytes: 65_536,
      gatewayKey: built.deps.gatewayKey,
      rng: seededRng('after-restart'),
    });
    const second = await serveOnLoopback(rebuilt.app.fetch);
    try {
      const after = await a2aClient(second.url, bearerFetch(paid.payer.apiKey));
      expect(await after.getTask({ tenant: '', id: done.id, historyLength: undefined })).toEqual(stored);
      const listed = await after.listTasks({
        tenant: '',
        contextId: '',
        status: TaskState.TASK_STATE_UNSPECIFIED,
        pageToken: '',
        statusTimestampAfter: undefined,
      });
      expect(listed.tasks.map((task) => task.id).sort()).toEqual([done.id, parked.id].sort());
      const resumed = asTask(
        await after.sendMessage({
          tenant: '',
          message: userMessage([textPart('paying')], {
            taskId: parked.id,
            metadata: { [metadataKeys.paymentPayload]: { x402Version: 2, payload: { voucher } } },
          }),
          configuration: undefined,
          metadata: undefined,
        }),
      );
      expect(resumed.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
      expect(resumed.status?.message?.metadata?.[metadataKeys.receipt]).toMatchObject({ charged: '1500' });
      // The message id of the first app's task is still remembered: no second run.
      const replayed = asTask(
        await after.sendMessage(sendRequest(balances, { messageId: done.history[0]?.messageId ?? '' })),
      );
      expect(replayed.id).toBe(done.id);
    } finally {
      await second.close();
      await paid.upstream.close();
      reopened.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
