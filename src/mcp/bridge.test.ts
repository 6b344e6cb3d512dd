import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpBridge } from './bridge.ts';
import { endpointOf } from './stdio.ts';
import { type McpGateway, startMcpGateway, structured, toolErrorOf } from './testing.ts';

let gateway: McpGateway;
beforeAll(async () => {
  gateway = await startMcpGateway();
});
afterAll(() => gateway.close());

describe('the stdio bridge', () => {
  it('relays a local client to the gateway with its API key, and reopens a session the gateway ended', async () => {
    const [local, remoteEnd] = InMemoryTransport.createLinkedPair();
    const logs: string[] = [];
    const bridge = new McpBridge(remoteEnd, {
      url: endpointOf(gateway.origin),
      apiKey: gateway.apiKey,
      log: (line) => logs.push(line),
    });
    await bridge.start();
    const client = new Client({ name: 'local', version: '1.0.0' });
    await client.connect(local);
    expect(client.getServerVersion()?.name).toBe('parley');
    expect(structured(await client.callTool({ name: 'get_balance', arguments: {} })).account).toBe(
      gateway.agent.did,
    );

    const ended = bridge.sessionId as string;
    const deleted = await fetch(gateway.mcpUrl, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${gateway.apiKey}`, 'mcp-session-id': ended },
    });
    expect(deleted.status).toBe(200);
    expect(structured(await client.callTool({ name: 'get_balance', arguments: {} })).account).toBe(
      gateway.agent.did,
    );
    expect(bridge.sessionId).not.toBe(ended);
    expect(logs).toContain('gateway: the session had ended; opened a new one');
    await client.close();
    await bridge.done;
  });

  it('without an API key, relays the public tools and the gateway refusing the others', async () => {
    const [local, remoteEnd] = InMemoryTransport.createLinkedPair();
    const bridge = new McpBridge(remoteEnd, { url: endpointOf(gateway.origin), log: () => {} });
    await bridge.start();
    const client = new Client({ name: 'local', version: '1.0.0' });
    await client.connect(local);
    expect(structured(await client.callTool({ name: 'list_models', arguments: {} })).models).toHaveLength(2);
    expect(toolErrorOf(await client.callTool({ name: 'get_balance', arguments: {} })).code).toBe(
      'AUTH_REQUIRED',
    );
    await client.close();
  });

  it('answers a request the gateway cannot take with a JSON-RPC error instead of leaving it waiting', async () => {
    const [local, remoteEnd] = InMemoryTransport.createLinkedPair();
    const logs: string[] = [];
    const bridge = new McpBridge(remoteEnd, {
      url: endpointOf(gateway.origin),
      apiKey: 'parley_not-a-key',
      log: (line) => logs.push(line),
    });
    await bridge.start();
    const client = new Client({ name: 'local', version: '1.0.0' });
    await expect(client.connect(local)).rejects.toThrow(/Parley gateway at .*\/mcp: .*API_KEY_INVALID/);
    expect(logs).toEqual([expect.stringContaining('API_KEY_INVALID')]);
    await bridge.close();
  });

  it('says which gateway it cannot reach and why, not just "fetch failed"', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const [local, remoteEnd] = InMemoryTransport.createLinkedPair();
    const logs: string[] = [];
    const url = endpointOf(`http://127.0.0.1:${port}`);
    const bridge = new McpBridge(remoteEnd, { url, log: (line) => logs.push(line) });
    await bridge.start();
    const client = new Client({ name: 'local', version: '1.0.0' });
    await expect(client.connect(local)).rejects.toThrow(`Parley gateway at ${url}: ECONNREFUSED`);
    expect(logs).toContain(`gateway ${url}: ECONNREFUSED`);
    await bridge.close();
  });

  it('turns a gateway URL into its MCP endpoint', () => {
    expect(endpointOf('http://127.0.0.1:8080').href).toBe('http://127.0.0.1:8080/mcp');
    expect(endpointOf('https://gw.example.com/custom/mcp').href).toBe('https://gw.example.com/custom/mcp');
    expect(() => endpointOf('ftp://example.com')).toThrow();
  });
});
