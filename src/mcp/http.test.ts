import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson } from '../gateway/testing.ts';
import { signedRequestHeaders } from '../identity/index.ts';
import type { TestAgent } from '../identity/testing.ts';
import { initializeMessage, messagesOf, postMcp, rawSession, readEvents } from './sse-testing.ts';
import { type McpGateway, startMcpGateway, structured } from './testing.ts';

let gateway: McpGateway;
beforeAll(async () => {
  gateway = await startMcpGateway();
});
afterAll(() => gateway.close());

const ping = (id: number) => ({ jsonrpc: '2.0', id, method: 'ping' });

/** Publishes a model through the HTTP API, as another agent on the gateway would. */
async function publishModel(id: string) {
  const response = await gateway.identity.signed(gateway.owner, 'POST', '/v1/registry/models', {
    model_id: id,
    name: id,
    version: '1',
    category: 'LLM',
    modality: 'Text',
    price_per_token: '1',
    min_stake: '500',
    max_context_length: 2048,
    parameters: '1000000000',
    sha256: '34'.repeat(32),
  });
  expect(response.status).toBe(201);
}

describe('Streamable HTTP at /mcp', () => {
  it('initializes a session with Parley server info, capabilities and instructions', async () => {
    const client = await gateway.connect(gateway.apiKey);
    expect(client.getServerVersion()).toMatchObject({ name: 'parley', version: '0.0.0-test' });
    expect(client.getServerCapabilities()).toMatchObject({
      tools: {},
      resources: { listChanged: true },
      logging: {},
    });
    expect(client.getInstructions()).toContain('list_models');
    await client.setLoggingLevel('warning');
    expect(await client.ping()).toEqual({});
  });

  it('answers malformed JSON with -32700 and a body that is not JSON-RPC with -32600', async () => {
    const notJson = await postMcp(gateway.mcpUrl, '{"jsonrpc": "2.0", "method": ');
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    for (const body of [{ hello: 'world' }, [], { jsonrpc: '1.0', id: 1, method: 'ping' }]) {
      const invalid = await postMcp(gateway.mcpUrl, body);
      expect(invalid.status).toBe(400);
      expect(await invalid.json()).toMatchObject({
        error: { code: -32600, data: { code: 'MCP_INVALID_REQUEST' } },
      });
    }
  });

  it('needs a session for anything but initialize, and refuses unknown ones', async () => {
    const orphan = await postMcp(gateway.mcpUrl, ping(1));
    expect(orphan.status).toBe(400);
    expect(await orphan.json()).toMatchObject({ error: { data: { code: 'MCP_SESSION_REQUIRED' } } });
    const unknown = await postMcp(gateway.mcpUrl, ping(1), { 'mcp-session-id': 'no-such-session' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: -32001 } });
  });

  it('refuses browser origins other than loopback ones (DNS rebinding)', async () => {
    for (const origin of ['http://evil.example.com', 'null', 'http://localhost.evil.example.com']) {
      const refused = await postMcp(gateway.mcpUrl, initializeMessage, { origin });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ error: { data: { code: 'MCP_ORIGIN_FORBIDDEN' } } });
    }
    for (const origin of ['http://localhost:5173', 'http://127.0.0.1:3000', 'https://[::1]']) {
      const accepted = await postMcp(gateway.mcpUrl, initializeMessage, { origin });
      expect(accepted.status).toBe(200);
      await accepted.text();
    }
  });

  it('refuses an unsupported MCP-Protocol-Version after initialize', async () => {
    const { headers } = await rawSession(gateway.mcpUrl);
    const response = await postMcp(gateway.mcpUrl, ping(2), {
      ...headers,
      'mcp-protocol-version': '1999-01-01',
    });
    expect(response.status).toBe(400);
    const ok = await postMcp(gateway.mcpUrl, ping(3), headers);
    expect(messagesOf(await readEvents(ok))).toEqual([{ jsonrpc: '2.0', id: 3, result: {} }]);
  });

  it('binds a session to the caller that opened it', async () => {
    const { headers, sessionId } = await rawSession(gateway.mcpUrl, {
      authorization: `Bearer ${gateway.apiKey}`,
    });
    const stranger = await gateway.identity.register('autonomous');
    const strangerKey = (
      await readJson(await gateway.identity.signed(stranger, 'POST', '/v1/api-keys', { name: 'x' }))
    ).secret;
    for (const authorization of [`Bearer ${strangerKey}`, undefined]) {
      const theirs = { ...headers, ...(authorization ? { authorization } : {}) };
      if (!authorization) delete (theirs as Record<string, string>).authorization;
      const response = await postMcp(gateway.mcpUrl, ping(4), theirs);
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ error: { data: { code: 'MCP_SESSION_FORBIDDEN' } } });
    }
    // Another API key of the same identity under the same delegation is the same caller.
    const sameCaller = await gateway.agentKey();
    const response = await postMcp(gateway.mcpUrl, ping(5), {
      ...headers,
      authorization: `Bearer ${sameCaller}`,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('mcp-session-id')).toBe(sessionId);
    await response.text();
  });

  it('accepts RFC 9421 signed requests, each signed afresh, and binds the session to the signer', async () => {
    let nonce = 0;
    const signing =
      (who: TestAgent): typeof fetch =>
      (url, init) => {
        const body = typeof init?.body === 'string' ? init.body : undefined;
        const headers = new Headers(init?.headers);
        const signed = signedRequestHeaders({
          method: init?.method ?? 'GET',
          url: String(url),
          ...(body !== undefined ? { body } : {}),
          keyId: who.keyId,
          secretKey: who.secretKey,
          created: Math.floor(gateway.built.clock.now() / 1000),
          nonce: `mcp-${++nonce}`,
        });
        for (const [name, value] of Object.entries(signed)) headers.set(name, value);
        return fetch(url, { ...init, headers });
      };
    const client = await gateway.connect(undefined, signing(gateway.owner));
    const balance = structured(await client.callTool({ name: 'get_balance', arguments: {} }));
    expect(balance.account).toBe(gateway.owner.did);
    const sessionId = (client.transport as { sessionId?: string }).sessionId as string;
    const intruder = await signing(gateway.controller)(gateway.mcpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId,
      },
      body: JSON.stringify(ping(11)),
    });
    expect(intruder.status).toBe(403);
  });

  it('ends a session on DELETE', async () => {
    const client = await gateway.connect(gateway.apiKey);
    const transport = client.transport as StreamableHTTPClientTransport;
    const sessionId = transport.sessionId as string;
    await transport.terminateSession();
    const after = await postMcp(gateway.mcpUrl, ping(6), {
      authorization: `Bearer ${gateway.apiKey}`,
      'mcp-session-id': sessionId,
      'mcp-protocol-version': '2025-11-25',
    });
    expect(after.status).toBe(404);
  });

  it('closes sessions idle past the limit, but not one holding an open stream', async () => {
    const idle = await rawSession(gateway.mcpUrl);
    const listening = await rawSession(gateway.mcpUrl);
    const stream = await fetch(gateway.mcpUrl, {
      headers: { ...listening.headers, accept: 'text/event-stream' },
    });
    expect(stream.status).toBe(200);
    gateway.built.clock.advance(31 * 60 * 1000);
    const expired = await postMcp(gateway.mcpUrl, ping(7), idle.headers);
    expect(expired.status).toBe(404);
    const alive = await postMcp(gateway.mcpUrl, ping(8), listening.headers);
    expect(alive.status).toBe(200);
    await alive.text();
    await stream.body?.cancel();
  });

  it('tells sessions when the model list changes', async () => {
    const client = await gateway.connect();
    let notified = 0;
    client.setNotificationHandler(ResourceListChangedNotificationSchema, () => {
      notified++;
    });
    // The client opens its server stream (GET) just after initialize, without waiting for it; a change
    // made before the stream is attached is not pushed, so publish until one arrives (once, normally).
    for (let attempt = 0; notified === 0 && attempt < 20; attempt++) {
      await publishModel(`announced-${attempt}`);
      await client.ping();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(notified).toBe(1);
    const models = structured(await client.callTool({ name: 'list_models', arguments: { q: 'announced' } }));
    expect(models.models.length).toBeGreaterThan(0);
    expect(models.models.every((model: { available: boolean }) => !model.available)).toBe(true);
  });

  it('replays what a reconnecting server stream missed, after Last-Event-ID', async () => {
    const { headers } = await rawSession(gateway.mcpUrl);
    const listen = (lastEventId?: string) =>
      fetch(gateway.mcpUrl, {
        headers: {
          ...headers,
          accept: 'text/event-stream',
          ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
        },
      });
    const first = await listen();
    await publishModel('replayed-a');
    await (await postMcp(gateway.mcpUrl, ping(9), headers)).text();
    const seen = await readEvents(first, (events) => events.length >= 1);
    expect(messagesOf(seen)).toEqual([{ jsonrpc: '2.0', method: 'notifications/resources/list_changed' }]);
    const cursor = seen[0]?.id as string;
    expect(cursor).toMatch(/^\d+$/);

    // While nobody listens, the next change is kept for the session.
    await publishModel('replayed-b');
    await (await postMcp(gateway.mcpUrl, ping(10), headers)).text();
    const resumed = await readEvents(await listen(cursor), (events) => events.length >= 1);
    expect(messagesOf(resumed)).toEqual([{ jsonrpc: '2.0', method: 'notifications/resources/list_changed' }]);
    expect(Number(resumed[0]?.id)).toBeGreaterThan(Number(cursor));
  });
});
