import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  isInitializeRequest,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import { fetchFailure } from '../shared/index.ts';

export interface BridgeOptions {
  /** The gateway's MCP endpoint, e.g. http://127.0.0.1:8080/mcp. */
  url: URL;
  apiKey?: string;
  /** Where problems are reported (stdout belongs to the protocol). */
  log: (line: string) => void;
}

/**
 * Relays JSON-RPC messages between a local transport (stdio) and the gateway's /mcp over Streamable
 * HTTP, unchanged. When the gateway forgot the session (a restart, an idle expiry) it opens a new one
 * by replaying the client's initialize, then resends what failed, so the local client never notices.
 */
export class McpBridge {
  private remote: StreamableHTTPClientTransport;
  private initialize: JSONRPCRequest | undefined;
  private protocolVersion: string | undefined;
  private readonly internal = new Map<RequestId, (message: JSONRPCMessage) => void>();
  private reinitializations = 0;
  private closed = false;
  private resolveClosed: () => void = () => {};
  readonly done = new Promise<void>((resolve) => {
    this.resolveClosed = resolve;
  });

  constructor(
    private readonly local: Transport,
    private readonly options: BridgeOptions,
  ) {
    this.remote = this.connectRemote();
  }

  /** The gateway session currently relayed to (it changes when the bridge has to open a new one). */
  get sessionId(): string | undefined {
    return this.remote.sessionId;
  }

  async start(): Promise<void> {
    this.local.onmessage = (message) => void this.forward(message);
    this.local.onclose = () => void this.close();
    this.local.onerror = (error) => this.options.log(`stdio: ${error.message}`);
    await this.remote.start();
    await this.local.start();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.remote.terminateSession().catch(() => {});
    await Promise.allSettled([this.remote.close(), this.local.close()]);
    this.resolveClosed();
  }

  private connectRemote(): StreamableHTTPClientTransport {
    const headers: Record<string, string> = this.options.apiKey
      ? { Authorization: `Bearer ${this.options.apiKey}` }
      : {};
    const remote = new StreamableHTTPClientTransport(this.options.url, { requestInit: { headers } });
    remote.onmessage = (message) => void this.deliver(message);
    remote.onerror = (error) => this.options.log(`gateway ${this.options.url}: ${fetchFailure(error)}`);
    return remote;
  }

  private async deliver(message: JSONRPCMessage): Promise<void> {
    if ('id' in message && message.id !== undefined && !('method' in message)) {
      const waiting = this.internal.get(message.id);
      if (waiting) return waiting(message);
      if (isJSONRPCResultResponse(message) && message.id === this.initialize?.id) {
        const version = message.result.protocolVersion;
        if (typeof version === 'string') {
          this.protocolVersion = version;
          this.remote.setProtocolVersion(version);
        }
      }
    }
    await this.local.send(message).catch((error: Error) => this.options.log(`stdio: ${error.message}`));
  }

  private async forward(message: JSONRPCMessage): Promise<void> {
    if (isInitializeRequest(message) && isJSONRPCRequest(message)) this.initialize = message;
    try {
      await this.remote.send(message);
    } catch (error) {
      if (sessionLost(error) && this.initialize && !isInitializeRequest(message)) {
        try {
          await this.reopen();
          await this.remote.send(message);
          return;
        } catch (retry) {
          return this.fail(message, retry);
        }
      }
      this.fail(message, error);
    }
  }

  /** A new session on the gateway, initialized as the local client initialized the old one. */
  private async reopen(): Promise<void> {
    const initialize = this.initialize as JSONRPCRequest;
    await this.remote.close().catch(() => {});
    this.remote = this.connectRemote();
    await this.remote.start();
    const id = `parley-bridge-reinitialize-${++this.reinitializations}`;
    const answered = new Promise<JSONRPCMessage>((resolve) => this.internal.set(id, resolve));
    await this.remote.send({ ...initialize, id });
    const answer = await answered;
    this.internal.delete(id);
    if (!isJSONRPCResultResponse(answer)) throw new Error('the gateway refused to initialize a new session');
    if (this.protocolVersion) this.remote.setProtocolVersion(this.protocolVersion);
    await this.remote.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    this.options.log('gateway: the session had ended; opened a new one');
  }

  /**
   * A request the gateway could not take gets a JSON-RPC error, so the local client is not left
   * waiting (the HTTP transport has logged the failure through onerror already).
   */
  private fail(message: JSONRPCMessage, error: unknown): void {
    if (!isJSONRPCRequest(message)) return;
    const reason = `Parley gateway at ${this.options.url}: ${fetchFailure(error)}`;
    void this.local
      .send({ jsonrpc: '2.0', id: message.id, error: { code: -32000, message: reason } })
      .catch(() => {});
  }
}

const sessionLost = (error: unknown) => error instanceof StreamableHTTPError && error.code === 404;
