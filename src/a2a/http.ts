import { formatSSEErrorEvent, formatSSEEvent, SSE_HEADERS } from '@a2a-js/sdk';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv, ProtocolContext } from '../gateway/context.ts';
import { callerSecurity, requestHeader } from '../shared/index.ts';
import { agentCard, cardJson, legacyCardJson, signedCard } from './card.ts';
import type { RpcOutcome } from './jsonrpc.ts';
import type { PushSigner } from './push-sender.ts';
import type { A2aServer } from './server.ts';

/** Headers the SDK may read from the call context; credentials stay out of it. */
const forwardedHeaders = ['a2a-version', 'a2a-extensions', 'x-a2a-extensions', 'content-type', 'user-agent'];

/** No header, or a 0.x version, asks for the 0.3 card (as the SDK's own card handler decides). */
function wantsLegacyCard(version: string | undefined): boolean {
  if (!version?.trim()) return true;
  const major = Number.parseInt(version.trim().split('.')[0] ?? '', 10);
  return major === 0;
}

const originOf = (c: Context<AppEnv>) => new URL(c.req.url).origin;

/** The agent card at both well-known paths, and JSON-RPC at /a2a (and /a2a/stream). */
export function a2aHttpRoutes(context: ProtocolContext, server: A2aServer, signer?: PushSigner) {
  const app = new OpenAPIHono<AppEnv>();
  const card = async (c: Context<AppEnv>) => {
    const served = agentCard(context, originOf(c));
    c.header('vary', 'A2A-Version');
    c.header('cache-control', 'public, max-age=300');
    if (wantsLegacyCard(requestHeader(c, 'a2a-version'))) return c.json(await legacyCardJson(served));
    return c.json(cardJson(signer ? signedCard(served, signer) : served));
  };
  const rpc = (streamEndpoint: boolean) => async (c: Context<AppEnv>) => {
    const headers: Record<string, string> = {};
    for (const name of forwardedHeaders) {
      const value = requestHeader(c, name);
      if (value !== undefined) headers[name] = value;
    }
    const outcome = await server.dispatcher.handle({
      body: await c.req.text(),
      contentType: headers['content-type'],
      version: headers['a2a-version'],
      extensions: headers['a2a-extensions'] ?? headers['x-a2a-extensions'],
      principal: c.var.principal,
      baseUrl: originOf(c),
      headers,
      streamEndpoint,
    });
    if (outcome.kind === 'stream') return eventStream(outcome);
    return c.json(outcome.body, outcome.status as 200, outcome.headers);
  };
  app.get('/.well-known/agent-card.json', card);
  app.get('/.well-known/agent.json', card);
  app.post('/a2a', rpc(false));
  app.post('/a2a/stream', rpc(true));
  document(app);
  return app;
}

/**
 * Server-sent events of JSON-RPC responses. An error before the first event is a plain JSON-RPC
 * answer (the client has no stream yet). When the client goes away, a send keeps draining so the
 * task still reaches the store (as the SDK's Express adapter does by writing into the void).
 */
async function eventStream(outcome: Extract<RpcOutcome, { kind: 'stream' }>): Promise<Response> {
  const iterator = outcome.events[Symbol.asyncIterator]();
  let first: IteratorResult<unknown>;
  try {
    first = await iterator.next();
  } catch (error) {
    return Response.json({ jsonrpc: '2.0', id: outcome.id, error: outcome.toError(error) });
  }
  const encoder = new TextEncoder();
  let gone = false;
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const write = (text: string) => {
        if (!gone) controller.enqueue(encoder.encode(text));
      };
      try {
        if (!first.done) write(formatSSEEvent(first.value));
        for (;;) {
          if (gone && !outcome.drainOnDisconnect) break;
          const next = await iterator.next();
          if (next.done) break;
          write(formatSSEEvent(next.value));
        }
      } catch (error) {
        write(formatSSEErrorEvent({ jsonrpc: '2.0', id: outcome.id, error: outcome.toError(error) }));
      } finally {
        if (gone) void iterator.return?.(undefined);
      }
      if (!gone) controller.close();
    },
    cancel() {
      gone = true;
    },
  });
  return new Response(stream, { headers: SSE_HEADERS });
}

/** The endpoints in /openapi.json; their bodies are A2A's, validated by the SDK, not by zod here. */
function document(app: OpenAPIHono<AppEnv>) {
  const cardResponse = {
    200: {
      description:
        'The agent card: A2A 1.0 JSON when A2A-Version is 1.0, the 0.3 card when the header is absent or 0.x',
      content: { 'application/json': { schema: z.looseObject({ name: z.string() }) } },
    },
  };
  for (const path of ['/.well-known/agent-card.json', '/.well-known/agent.json'])
    app.openAPIRegistry.registerPath({
      method: 'get',
      path,
      tags: ['a2a'],
      summary: 'A2A agent card: skills, security schemes, capabilities, interfaces',
      responses: cardResponse,
    });
  const rpcResponse = {
    200: {
      description: 'A JSON-RPC response, or server-sent events of them for streaming methods',
      content: {
        'application/json': { schema: z.looseObject({ jsonrpc: z.literal('2.0') }) },
        'text/event-stream': { schema: z.string() },
      },
    },
    401: { description: 'No credentials: a JSON-RPC error with WWW-Authenticate' },
  };
  for (const path of ['/a2a', '/a2a/stream'])
    app.openAPIRegistry.registerPath({
      method: 'post',
      path,
      tags: ['a2a'],
      summary:
        path === '/a2a'
          ? 'A2A JSON-RPC 2.0: SendMessage, SendStreamingMessage, GetTask, ListTasks, CancelTask, SubscribeToTask, push-notification configs, GetExtendedAgentCard, and the 0.3 names'
          : 'A2A JSON-RPC, with sends always streamed (SSE)',
      security: callerSecurity,
      responses: rpcResponse,
    });
}
