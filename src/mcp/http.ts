import { OpenAPIHono } from '@hono/zod-openapi';
import { isInitializeRequest, JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Context } from 'hono';
import type { AppEnv, ProtocolContext } from '../gateway/context.ts';
import { AppError } from '../shared/index.ts';
import { authInfoFor, ownerOf } from './caller.ts';
import { CatalogWatch } from './catalog-watch.ts';
import { mcpError, rpcErrorResponse } from './errors.ts';
import { originAllowed } from './origin.ts';
import { defaultSessionSettings, McpSessions, type SessionSettings } from './sessions.ts';

export interface McpOptions {
  /** Browser origins allowed besides loopback ones (exact matches). */
  allowedOrigins?: string[];
  /** Session limits and modes; the model list is checked for changes every tick and on every request. */
  sessions?: Partial<SessionSettings>;
}

/**
 * The MCP server at /mcp over Streamable HTTP: POST (JSON-RPC in; JSON or SSE out), GET (the
 * session's server stream, resumable with Last-Event-ID), DELETE (ends the session). The gateway has
 * authenticated the request already; each session stays bound to the caller that initialized it.
 */
export function mcpRoutes(context: ProtocolContext, options: McpOptions = {}) {
  const allowedOrigins = options.allowedOrigins ?? [];
  const watch = new CatalogWatch(context.router, () =>
    sessions.broadcast((server) => server.sendResourceListChanged()),
  );
  const sessions = new McpSessions(context, { ...defaultSessionSettings, ...options.sessions }, () =>
    watch.check(),
  );
  const caller = (c: Context<AppEnv>) => ({
    owner: ownerOf(c.var.principal),
    authInfo: authInfoFor({ principal: c.var.principal, requestId: c.var.requestId }),
  });
  const session = (c: Context<AppEnv>) => {
    const id = c.req.header('mcp-session-id');
    if (!id) throw mcpError('MCP_SESSION_REQUIRED');
    return sessions.find(id, ownerOf(c.var.principal));
  };

  const app = new OpenAPIHono<AppEnv>();
  document(app);
  app.use('/mcp', async (c, next) => {
    const origin = c.req.header('origin');
    if (!originAllowed(origin, allowedOrigins))
      return rpcErrorResponse(mcpError('MCP_ORIGIN_FORBIDDEN', { origin }));
    watch.check();
    await next();
  });
  app.post('/mcp', (c) =>
    answer(async () => {
      const parsedBody = readMessages(await c.req.text());
      const { owner, authInfo } = caller(c);
      if (c.req.header('mcp-session-id') === undefined) {
        const messages = Array.isArray(parsedBody) ? parsedBody : [parsedBody];
        if (!messages.some((message) => isInitializeRequest(message))) throw mcpError('MCP_SESSION_REQUIRED');
        return sessions.initialize(c.req.raw, owner, { parsedBody, authInfo });
      }
      return sessions.handle(session(c), c.req.raw, { parsedBody, authInfo });
    }),
  );
  app.get('/mcp', (c) =>
    answer(() => sessions.handle(session(c), c.req.raw, { authInfo: caller(c).authInfo })),
  );
  app.delete('/mcp', (c) => answer(() => sessions.handle(session(c), c.req.raw, {})));
  app.on(['PUT', 'PATCH'], '/mcp', () =>
    Response.json(
      { jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null },
      { status: 405, headers: { Allow: 'GET, POST, DELETE' } },
    ),
  );
  return app;
}

/** JSON-RPC errors for transport problems, as MCP clients expect, instead of the REST error body. */
async function answer(handle: () => Promise<Response>): Promise<Response> {
  try {
    return await handle();
  } catch (error) {
    if (error instanceof AppError) return rpcErrorResponse(error);
    throw error;
  }
}

/** The POST body: -32700 if it is not JSON, -32600 if it is not JSON-RPC 2.0 (single or batch). */
function readMessages(text: string): unknown {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw mcpError('MCP_PARSE_ERROR');
  }
  const messages = Array.isArray(body) ? body : [body];
  const invalid = messages.findIndex((message) => !JSONRPCMessageSchema.safeParse(message).success);
  if (messages.length === 0 || invalid !== -1)
    throw mcpError('MCP_INVALID_REQUEST', messages.length === 0 ? { batch: 'empty' } : { index: invalid });
  return body;
}

function document(app: OpenAPIHono<AppEnv>) {
  const responses = { 200: { description: 'JSON-RPC response (application/json or text/event-stream)' } };
  const description =
    'Model Context Protocol, Streamable HTTP transport (spec 2025-06-18 and 2025-11-25): send ' +
    'Mcp-Session-Id from initialize and MCP-Protocol-Version on later requests. Anonymous callers may ' +
    'list tools and resources and call list_models, get_node_status, resolve_did and get_block.';
  for (const [method, summary] of [
    ['post', 'Send JSON-RPC messages (initialize opens a session)'],
    ['get', "Open the session's server-to-client SSE stream (Last-Event-ID resumes)"],
    ['delete', 'End the session'],
  ] as const) {
    app.openAPIRegistry.registerPath({
      method,
      path: '/mcp',
      tags: ['mcp'],
      summary,
      description,
      responses,
    });
  }
}
