import { randomUUID } from 'node:crypto';
import { type Task, TaskState } from '@a2a-js/sdk';
import { Client } from '@a2a-js/sdk/client';
import { LegacyJsonRpcTransport, parseLegacyAgentCard } from '@a2a-js/sdk/compat/v0_3/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedRequestHeaders } from '../identity/index.ts';
import { callerLimitsExtensionUri } from './schemas.ts';
import {
  a2aClient,
  bearerFetch,
  collect,
  type DelegatedAgent,
  delegatedAgent,
  rpc,
  type ServedGateway,
  sendRequest,
  sseEvents,
  startGateway,
} from './testing.ts';

let gateway: ServedGateway;
let caller: DelegatedAgent;
let auth: Record<string, string>;

beforeAll(async () => {
  gateway = await startGateway();
  caller = await delegatedAgent(gateway.identity);
  auth = { authorization: `Bearer ${caller.apiKey}` };
});
afterAll(() => gateway.close());

const balances = { kind: 'data', data: { skill: 'wallet', action: 'balances' } };
const legacyMessage = (parts: unknown[] = [balances]) => ({
  kind: 'message',
  messageId: randomUUID(),
  role: 'user',
  parts,
});

describe('JSON-RPC errors, with the codes the spec lists', () => {
  const errorOf = async (body: unknown, headers: Record<string, string> = {}) => {
    const response = await rpc(gateway.url, body, { ...auth, ...headers });
    expect(response.status).toBe(200);
    return (await response.json()) as { id: unknown; error: { code: number; message: string } };
  };

  it('parse error -32700 for a body that is not JSON', async () => {
    expect(await errorOf('{"jsonrpc": "2.0",')).toMatchObject({ id: null, error: { code: -32700 } });
  });

  it('invalid request -32600 for a broken envelope or a batch', async () => {
    expect(await errorOf({ jsonrpc: '1.0', id: 7, method: 'GetTask', params: {} })).toMatchObject({
      id: 7,
      error: { code: -32600 },
    });
    expect(await errorOf([{ jsonrpc: '2.0', id: 1, method: 'GetTask' }])).toMatchObject({
      error: { code: -32600 },
    });
    expect(await errorOf({ jsonrpc: '2.0', id: 1.5, method: 'GetTask' })).toMatchObject({
      error: { code: -32600 },
    });
  });

  it('method not found -32601', async () => {
    expect(await errorOf({ jsonrpc: '2.0', id: 1, method: 'tasks/teleport', params: {} })).toMatchObject({
      id: 1,
      error: { code: -32601 },
    });
  });

  it('invalid params -32602: params not an object, a send without a message, a task without an id', async () => {
    for (const call of [
      { method: 'GetTask', params: ['t1'] },
      { method: 'SendMessage', params: {} },
      { method: 'GetTask', params: {} },
      { method: 'tasks/list', params: { status: 'sleeping' } },
    ])
      expect(await errorOf({ jsonrpc: '2.0', id: 3, ...call }, { 'a2a-version': '1.0' })).toMatchObject({
        error: { code: -32602 },
      });
  });

  it('task not found -32001, over both wire versions', async () => {
    expect(await errorOf({ jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: 'nope' } })).toMatchObject(
      {
        error: { code: -32001 },
      },
    );
    expect(
      await errorOf({ jsonrpc: '2.0', id: 1, method: 'tasks/get', params: { id: 'nope' } }),
    ).toMatchObject({
      error: { code: -32001 },
    });
  });

  it('content type not supported -32005, version not supported -32009', async () => {
    const body = { jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: 'x' } };
    expect(await errorOf(body, { 'content-type': 'text/plain' })).toMatchObject({ error: { code: -32005 } });
    expect(await errorOf(body, { 'a2a-version': '2.0' })).toMatchObject({ error: { code: -32009 } });
  });

  it('refuses anonymous callers with 401 and bad API keys with the gateway’s 401', async () => {
    const anonymous = await rpc(gateway.url, { jsonrpc: '2.0', id: 1, method: 'ListTasks', params: {} });
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).error).toMatchObject({ code: -32600 });
    const badKey = await rpc(
      gateway.url,
      { jsonrpc: '2.0', id: 1, method: 'ListTasks', params: {} },
      {
        authorization: 'Bearer parley_not-a-key',
      },
    );
    expect(badKey.status).toBe(401);
    expect(await badKey.json()).toMatchObject({ error: { code: 'API_KEY_INVALID' } });
  });
});

describe('signed requests', () => {
  it('serves an SDK client that signs every request (RFC 9421) under its delegation', async () => {
    let nonce = 0;
    const signedFetch: typeof fetch = (input, init) => {
      const url = String(input);
      const body = typeof init?.body === 'string' ? init.body : undefined;
      const headers = signedRequestHeaders({
        method: init?.method ?? 'GET',
        url,
        ...(body !== undefined ? { body } : {}),
        headers: Object.fromEntries(new Headers(init?.headers)),
        keyId: caller.agent.keyId,
        secretKey: caller.agent.secretKey,
        created: Math.floor(gateway.built.clock.now() / 1000),
        nonce: `a2a-signed-${++nonce}-${randomUUID()}`,
        delegationId: caller.delegationId,
      });
      return fetch(url, { ...init, headers });
    };
    const client = await a2aClient(gateway.url, signedFetch);
    const task = (await client.sendMessage(sendRequest({ skill: 'wallet', action: 'balances' }))) as Task;
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const card = await client.getAgentCard();
    const limits = card.capabilities?.extensions.find(
      (extension) => extension.uri === callerLimitsExtensionUri,
    );
    expect(limits?.params).toMatchObject({ did: caller.agent.did, authenticatedVia: 'signature' });
  });
});

describe('0.3 clients', () => {
  async function legacyClient() {
    const card = parseLegacyAgentCard(await (await fetch(`${gateway.url}/.well-known/agent.json`)).json());
    const transport = new LegacyJsonRpcTransport({
      endpoint: `${gateway.url}/a2a`,
      fetchImpl: bearerFetch(caller.apiKey),
    });
    return new Client(transport, card);
  }

  it('works with the SDK’s 0.3 transport: message/send, message/stream, tasks/get, tasks/cancel, the extended card', async () => {
    const client = await legacyClient();
    const sent = (await client.sendMessage(sendRequest({ skill: 'wallet', action: 'balances' }))) as Task;
    expect(sent.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const events = await collect(
      client.sendMessageStream(sendRequest({ skill: 'inference', action: 'models' })),
    );
    expect(events.map((event) => event.payload?.$case)).toEqual([
      'task',
      'statusUpdate',
      'artifactUpdate',
      'statusUpdate',
    ]);
    expect((await client.getTask({ tenant: '', id: sent.id, historyLength: 1 })).history).toHaveLength(1);
    await expect(client.cancelTask({ tenant: '', id: sent.id, metadata: undefined })).rejects.toMatchObject({
      envelopeCode: -32002,
    });
    const card = await client.getAgentCard();
    expect(card.capabilities?.extensions.map((extension) => extension.uri)).toContain(
      callerLimitsExtensionUri,
    );
  });

  it('keeps webhook configs under the 0.3 names (tasks/pushNotificationConfig/*)', async () => {
    const client = await legacyClient();
    const task = (await client.sendMessage(sendRequest({ skill: 'wallet', action: 'balances' }))) as Task;
    // A public address literal passes the SSRF guard without DNS; nothing is delivered for a finished task.
    const config = {
      tenant: '',
      id: 'hook-1',
      taskId: task.id,
      url: 'https://93.184.216.34/hook',
      token: 't0k',
      authentication: undefined,
    };
    expect(await client.createTaskPushNotificationConfig(config)).toMatchObject({
      id: 'hook-1',
      url: config.url,
    });
    expect(
      await client.getTaskPushNotificationConfig({ tenant: '', taskId: task.id, id: 'hook-1' }),
    ).toMatchObject({
      token: 't0k',
    });
    const listed = await client.listTaskPushNotificationConfig({
      tenant: '',
      taskId: task.id,
      pageSize: 0,
      pageToken: '',
    });
    expect(listed.configs.map((c) => c.id)).toEqual(['hook-1']);
    await client.deleteTaskPushNotificationConfig({ tenant: '', taskId: task.id, id: 'hook-1' });
    await expect(
      client.getTaskPushNotificationConfig({ tenant: '', taskId: task.id, id: 'hook-1' }),
    ).rejects.toMatchObject({ envelopeCode: -32001 });
  });

  it('serves tasks/send and tasks/list in 0.3 shapes, and tasks/resubscribe', async () => {
    const sent = await rpc(
      gateway.url,
      { jsonrpc: '2.0', id: 'a', method: 'tasks/send', params: { message: legacyMessage() } },
      auth,
    );
    const task = (await sent.json()).result as { kind: string; id: string; status: { state: string } };
    expect(task).toMatchObject({ kind: 'task', status: { state: 'completed' } });
    const listed = await rpc(
      gateway.url,
      { jsonrpc: '2.0', id: 'b', method: 'tasks/list', params: { status: 'completed', pageSize: 100 } },
      auth,
    );
    const page = (await listed.json()).result as {
      tasks: Array<{ kind: string; id: string }>;
      totalSize: number;
    };
    expect(page.tasks.map((t) => t.id)).toContain(task.id);
    expect(page.tasks.every((t) => t.kind === 'task')).toBe(true);
    const resubscribed = await rpc(
      gateway.url,
      { jsonrpc: '2.0', id: 'c', method: 'tasks/resubscribe', params: { id: task.id } },
      auth,
    );
    // A finished task has nothing to follow: unsupported operation.
    expect(await resubscribed.json()).toMatchObject({ id: 'c', error: { code: -32004 } });
  });
});

describe('POST /a2a/stream', () => {
  it('streams a send even under its non-streaming name', async () => {
    const response = await fetch(`${gateway.url}/a2a/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0', ...auth },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 9,
        method: 'SendMessage',
        params: {
          message: {
            messageId: randomUUID(),
            role: 'ROLE_USER',
            parts: [{ data: { skill: 'wallet', action: 'balances' } }],
          },
        },
      }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await sseEvents(response);
    expect(events.map((event) => Object.keys(event.result as object)[0])).toEqual([
      'task',
      'statusUpdate',
      'artifactUpdate',
      'statusUpdate',
    ]);
    expect(events.every((event) => event.id === 9)).toBe(true);
    expect(events.at(-1)?.result).toMatchObject({
      statusUpdate: { status: { state: 'TASK_STATE_COMPLETED' } },
    });
  });
});
