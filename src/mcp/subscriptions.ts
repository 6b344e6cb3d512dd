import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SubscribeRequestSchema, UnsubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ProtocolContext } from '../gateway/context.ts';
import { mcpError } from './errors.ts';
import { resourceError, viewOf } from './resources.ts';

const maxPerSession = 64;

/**
 * `resources/subscribe` for one session: the session remembers what each subscribed resource showed,
 * re-reads them on every sweep tick and before each of the session's requests, and sends
 * `notifications/resources/updated` for each one that changed (a channel charged, a provider's
 * health, an identity's keys…). Reads are the registry's cached views or single-row queries.
 */
export class ResourceSubscriptions {
  private readonly seen = new Map<string, string>();

  constructor(
    private readonly server: McpServer,
    private readonly context: ProtocolContext,
  ) {
    server.server.setRequestHandler(SubscribeRequestSchema, ({ params }) => {
      if (!this.seen.has(params.uri) && this.seen.size >= maxPerSession)
        throw resourceError(params.uri, mcpError('MCP_TOO_MANY_SUBSCRIPTIONS', { max: maxPerSession }));
      this.seen.set(params.uri, this.snapshot(params.uri));
      return {};
    });
    server.server.setRequestHandler(UnsubscribeRequestSchema, ({ params }) => {
      this.seen.delete(params.uri);
      return {};
    });
  }

  get size(): number {
    return this.seen.size;
  }

  /** Notifies the client of every subscribed resource whose content changed since it last looked. */
  async check(): Promise<void> {
    for (const [uri, before] of this.seen) {
      let now: string;
      try {
        now = this.snapshot(uri);
      } catch {
        now = ''; // gone (e.g. a provider forgotten): that is a change too
      }
      if (now === before) continue;
      this.seen.set(uri, now);
      await this.server.server.sendResourceUpdated({ uri }).catch(() => {});
    }
  }

  private snapshot(uri: string): string {
    try {
      return JSON.stringify(viewOf(this.context, uri));
    } catch (error) {
      throw resourceError(uri, error);
    }
  }
}
