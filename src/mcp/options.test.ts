import { describe, expect, it } from 'vitest';
import { protocolContext } from '../gateway/app.ts';
import { buildTestApp, readJson } from '../gateway/testing.ts';
import { type McpOptions, mcpRoutes } from './index.ts';
import { initializeMessage } from './sse-testing.ts';

/** The MCP routes alone, in process, over the services of a test gateway (anonymous callers). */
function routesWith(options: McpOptions) {
  const { services, deps } = buildTestApp();
  const context = protocolContext(deps, services);
  const routes = mcpRoutes(context, options);
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    routes.request('/mcp', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...headers,
      },
      body: JSON.stringify(body),
    });
  const open = async (headers: Record<string, string> = {}) => {
    const response = await post(initializeMessage, headers);
    return { response, sessionId: response.headers.get('mcp-session-id') };
  };
  return { post, open };
}

const session = (id: string | null) => ({ 'mcp-session-id': id ?? '', 'mcp-protocol-version': '2025-11-25' });

describe('MCP options', () => {
  it('answers in plain JSON in JSON response mode', async () => {
    const { post, open } = routesWith({ sessions: { jsonResponse: true } });
    const { response, sessionId } = await open();
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toMatchObject({ id: 1, result: { serverInfo: { name: 'parley' } } });
    const call = await post(
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'get_node_status', arguments: {} } },
      session(sessionId),
    );
    expect(call.headers.get('content-type')).toBe('application/json');
    expect((await readJson(call)).result.structuredContent).toMatchObject({ name: 'parley', mcpSessions: 1 });
  });

  it('lets a configured browser origin in besides loopback ones', async () => {
    const { open } = routesWith({
      allowedOrigins: ['https://console.example.com'],
      sessions: { jsonResponse: true },
    });
    expect((await open({ origin: 'https://console.example.com' })).response.status).toBe(200);
    expect((await open({ origin: 'https://other.example.com' })).response.status).toBe(403);
  });

  it("closes a caller's least recently used session beyond its share, and refuses beyond the total", async () => {
    const perOwner = routesWith({ sessions: { jsonResponse: true, maxSessionsPerOwner: 2 } });
    const first = await perOwner.open();
    await perOwner.open();
    await perOwner.open();
    const evicted = await perOwner.post({ jsonrpc: '2.0', id: 3, method: 'ping' }, session(first.sessionId));
    expect(evicted.status).toBe(404);

    const total = routesWith({ sessions: { jsonResponse: true, maxSessions: 1 } });
    expect((await total.open()).response.status).toBe(200);
    const refused = (await total.open()).response;
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: { data: { code: 'MCP_TOO_MANY_SESSIONS' } } });
  });
});
