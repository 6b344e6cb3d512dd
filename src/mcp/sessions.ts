import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  type HandleRequestOptions,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { ProtocolContext } from '../gateway/context.ts';
import { randomId } from '../shared/index.ts';
import { mcpError } from './errors.ts';
import { SessionEventStore } from './event-store.ts';
import { createMcpServer } from './server.ts';
import type { ResourceSubscriptions } from './subscriptions.ts';

export interface SessionSettings {
  /** A session with no request and no open stream for this long is closed. */
  idleMs: number;
  /** Sessions held at once; beyond it, initialize answers 503. */
  maxSessions: number;
  /** Sessions one caller holds at once; beyond it, that caller's least recently used one is closed. */
  maxSessionsPerOwner: number;
  /** SSE events kept per session for Last-Event-ID replay. */
  eventsPerSession: number;
  /** Answer POSTs with one JSON body instead of an SSE stream (no progress notifications then). */
  jsonResponse: boolean;
  /** How often idle sessions are swept (and `onTick` runs) while any session exists. */
  tickMs: number;
}

export const defaultSessionSettings: SessionSettings = {
  idleMs: 30 * 60 * 1000,
  maxSessions: 10_000,
  maxSessionsPerOwner: 100,
  eventsPerSession: 1000,
  jsonResponse: false,
  tickMs: 5000,
};

interface Session {
  id: string;
  owner: string;
  transport: WebStandardStreamableHTTPServerTransport;
  server: McpServer;
  subscriptions: ResourceSubscriptions;
  lastSeen: number;
  openStreams: number;
}

/**
 * MCP sessions in memory: one MCP server and Streamable HTTP transport per session, bound to the
 * caller that initialized it, with its own event store for resumable streams, closed when idle.
 */
export class McpSessions {
  private readonly sessions = new Map<string, Session>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly context: ProtocolContext,
    private readonly settings: SessionSettings,
    /** Runs with every sweep while sessions exist (the catalog watch). */
    private readonly onTick: () => void = () => {},
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  /** Handles an initialize request; the session is kept only once the transport accepted it. */
  async initialize(request: Request, owner: string, options: HandleRequestOptions): Promise<Response> {
    this.sweep();
    if (this.sessions.size >= this.settings.maxSessions) throw mcpError('MCP_TOO_MANY_SESSIONS');
    this.makeRoomFor(owner);
    const { server, subscriptions } = createMcpServer(this.context, () => this.sessions.size);
    const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomId(this.context.rng, 24),
      eventStore: new SessionEventStore(this.settings.eventsPerSession),
      enableJsonResponse: this.settings.jsonResponse,
      onsessioninitialized: (id) => {
        const now = this.context.clock.now();
        this.sessions.set(id, { id, owner, transport, server, subscriptions, lastSeen: now, openStreams: 0 });
        this.startTimer();
      },
      onsessionclosed: (id) => {
        this.sessions.delete(id);
        if (this.sessions.size === 0) this.stopTimer();
      },
    });
    await server.connect(transport);
    const response = await transport.handleRequest(request, options);
    const session = transport.sessionId ? this.sessions.get(transport.sessionId) : undefined;
    if (!session) {
      await server.close();
      return response;
    }
    return this.track(session, response);
  }

  /** The session `id` if `owner` holds it; MCP_SESSION_NOT_FOUND or MCP_SESSION_FORBIDDEN otherwise. */
  find(id: string, owner: string): Session {
    this.sweep();
    const session = this.sessions.get(id);
    if (!session) throw mcpError('MCP_SESSION_NOT_FOUND');
    if (session.owner !== owner) throw mcpError('MCP_SESSION_FORBIDDEN');
    session.lastSeen = this.context.clock.now();
    return session;
  }

  async handle(session: Session, request: Request, options: HandleRequestOptions): Promise<Response> {
    await session.subscriptions.check();
    return this.track(session, await session.transport.handleRequest(request, options));
  }

  /** Sends to every session (e.g. notifications/resources/list_changed). */
  broadcast(send: (server: McpServer) => void): void {
    for (const session of this.sessions.values()) send(session.server);
  }

  /** Closes sessions that saw no request for the idle time and hold no open stream. */
  sweep(): void {
    const now = this.context.clock.now();
    for (const session of [...this.sessions.values()]) {
      if (session.openStreams === 0 && now - session.lastSeen >= this.settings.idleMs) void this.end(session);
    }
  }

  private async end(session: Session): Promise<void> {
    this.sessions.delete(session.id);
    if (this.sessions.size === 0) this.stopTimer();
    await session.server.close();
  }

  private makeRoomFor(owner: string): void {
    const held = [...this.sessions.values()].filter((session) => session.owner === owner);
    if (held.length < this.settings.maxSessionsPerOwner) return;
    const oldest = held.reduce((a, b) => (b.lastSeen < a.lastSeen ? b : a));
    void this.end(oldest);
  }

  /** Counts a session's open SSE streams: a client listening on one is not idle. */
  private track(session: Session, response: Response): Response {
    const isStream = response.headers.get('content-type')?.startsWith('text/event-stream');
    if (!response.body || !isStream) return response;
    session.openStreams++;
    const body = whenEnded(response.body, () => {
      session.openStreams--;
      session.lastSeen = this.context.clock.now();
    });
    return new Response(body, { status: response.status, headers: response.headers });
  }

  private startTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.sweep();
      this.onTick();
      for (const session of this.sessions.values()) void session.subscriptions.check();
    }, this.settings.tickMs);
    this.timer.unref();
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** The same stream, calling `done` once when it ends, fails or the reader cancels it. */
function whenEnded(body: ReadableStream<Uint8Array>, done: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    done();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await reader.read();
        if (next.done) {
          end();
          controller.close();
        } else controller.enqueue(next.value);
      } catch (error) {
        end();
        controller.error(error);
      }
    },
    cancel(reason) {
      end();
      return reader.cancel(reason);
    },
  });
}
