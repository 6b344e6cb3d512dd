import { type AgentCard, TaskState } from '@a2a-js/sdk';
import { isLegacyJsonRpcMethod } from '@a2a-js/sdk/compat/v0_3';
import { LegacyJsonRpcTransportHandler, V03PushNotificationSerializer } from '@a2a-js/sdk/compat/v0_3/server';
import {
  A2A_ERROR_CODE,
  ContentTypeNotSupportedError,
  ERROR_INFO_TYPE,
  JsonRpcRequestMalformedError,
  RequestMalformedError,
  toJsonRpcError,
} from '@a2a-js/sdk/errors';
import {
  type A2ARequestHandler,
  JsonRpcTransportHandler,
  type ServerCallContext,
  validateVersion,
} from '@a2a-js/sdk/server';
import type { Principal } from '../identity/index.ts';
import { callContext } from './caller.ts';
import { a2aErrors } from './errors.ts';
import { legacyListTasksSchema } from './schemas.ts';
import { taskStateOf } from './task-store.ts';

export type RpcId = string | number | null;

export interface RpcError {
  code: number;
  message: string;
  data?: unknown;
}

export interface RpcEnvelope {
  jsonrpc: '2.0';
  id: RpcId;
  result?: unknown;
  error?: RpcError;
}

/** One HTTP request to the JSON-RPC endpoint, as far as the dispatcher needs it. */
export interface RpcRequest {
  body: string;
  contentType: string | undefined;
  version: string | undefined;
  extensions: string | undefined;
  principal: Principal | undefined;
  baseUrl: string;
  headers: Record<string, string>;
  /** POST /a2a/stream: sends are streamed even under their non-streaming names. */
  streamEndpoint: boolean;
}

export type RpcOutcome =
  | { kind: 'json'; status: number; body: RpcEnvelope; headers?: Record<string, string> }
  | {
      kind: 'stream';
      id: RpcId;
      events: AsyncGenerator<RpcEnvelope, void, undefined>;
      /** How an error in mid-stream is told, in the wire version of the request. */
      toError: (error: unknown) => RpcError;
      /** A send keeps running (and persisting) when its caller goes; a subscription just stops. */
      drainOnDisconnect: boolean;
    };

/** Names from before 0.3 that the design also serves, mapped to what they mean now. */
const aliases: Record<string, string> = { 'tasks/send': 'message/send' };
const streamed: Record<string, string> = {
  SendMessage: 'SendStreamingMessage',
  'message/send': 'message/stream',
};
const sendingMethods = new Set(['SendStreamingMessage', 'message/stream']);
const acceptedMediaTypes = new Set(['application/json', 'application/a2a+json']);

const envelope = (id: RpcId, error: RpcError, status = 200): RpcOutcome => ({
  kind: 'json',
  status,
  body: { jsonrpc: '2.0', id, error },
});

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const validId = (id: unknown): id is RpcId =>
  id === null || typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id));

/**
 * JSON-RPC 2.0 for A2A: 1.0 method names through the SDK's transport handler, 0.3 names through its
 * compat transport (so each answers in its own wire shapes), `tasks/send` and `tasks/list` on top.
 * The envelope is checked here first so parse errors and invalid requests get their JSON-RPC codes.
 */
export class A2aDispatcher {
  private readonly v1: JsonRpcTransportHandler;
  private readonly legacy: LegacyJsonRpcTransportHandler;

  constructor(
    private readonly handler: A2ARequestHandler,
    private readonly card: AgentCard,
  ) {
    this.v1 = new JsonRpcTransportHandler(handler);
    this.legacy = new LegacyJsonRpcTransportHandler(handler);
  }

  async handle(request: RpcRequest): Promise<RpcOutcome> {
    const mediaType = request.contentType?.split(';', 1)[0]?.trim().toLowerCase();
    if (mediaType && !acceptedMediaTypes.has(mediaType)) {
      const error = new ContentTypeNotSupportedError(
        `Unsupported Content-Type "${request.contentType}"; send application/json.`,
      );
      return envelope(null, toJsonRpcError(error));
    }
    let rpc: unknown;
    try {
      rpc = JSON.parse(request.body);
    } catch {
      return envelope(null, { code: A2A_ERROR_CODE.PARSE_ERROR, message: 'Invalid JSON payload.' });
    }
    const id = isRecord(rpc) && validId(rpc.id) ? rpc.id : null;
    if (
      !isRecord(rpc) ||
      rpc.jsonrpc !== '2.0' ||
      typeof rpc.method !== 'string' ||
      !rpc.method ||
      !validId(rpc.id ?? null)
    ) {
      const reason = Array.isArray(rpc) ? 'Batch requests are not supported.' : 'Invalid JSON-RPC request.';
      return envelope(id, invalidRequest(reason));
    }
    if (!request.principal) return unauthenticated(id);
    if (request.version) {
      try {
        validateVersion(request.version, this.card, 'JSONRPC');
      } catch (error) {
        return envelope(id, toJsonRpcError(error));
      }
    }
    let method = aliases[rpc.method] ?? rpc.method;
    if (request.streamEndpoint) method = streamed[method] ?? method;
    const legacy = isLegacyJsonRpcMethod(method) || method === 'tasks/list';
    const context = callContext({
      principal: request.principal,
      version: legacy ? '0.3' : '1.0',
      baseUrl: request.baseUrl,
      headers: request.headers,
      ...(request.extensions ? { extensions: request.extensions } : {}),
    });
    const call = { ...rpc, method };
    if (method === 'tasks/list') return this.listLegacy(id, rpc.params, context);
    const answer = legacy ? await this.legacy.handle(call, context) : await this.v1.handle(call, context);
    const toError = legacy
      ? LegacyJsonRpcTransportHandler.mapToLegacyJSONRPCError
      : JsonRpcTransportHandler.mapToJSONRPCError;
    if (Symbol.asyncIterator in answer) {
      return {
        kind: 'stream',
        id,
        events: answer as AsyncGenerator<RpcEnvelope, void, undefined>,
        toError,
        drainOnDisconnect: sendingMethods.has(method),
      };
    }
    return { kind: 'json', status: 200, body: answer as RpcEnvelope };
  }

  /** `tasks/list`: ListTasks for clients that speak 0.3 (filters and tasks in 0.3 shapes). */
  private async listLegacy(id: RpcId, params: unknown, context: ServerCallContext): Promise<RpcOutcome> {
    const parsed = legacyListTasksSchema.safeParse(params ?? {});
    if (!parsed.success) {
      const message = parsed.error.issues
        .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
        .join('; ');
      return envelope(id, toJsonRpcError(new RequestMalformedError(`Invalid tasks/list params: ${message}`)));
    }
    const filter = parsed.data;
    try {
      const page = await this.handler.listTasks(
        {
          tenant: '',
          contextId: filter.contextId ?? '',
          status: filter.status
            ? (taskStateOf(filter.status) ?? TaskState.TASK_STATE_UNSPECIFIED)
            : TaskState.TASK_STATE_UNSPECIFIED,
          pageSize: filter.pageSize,
          pageToken: filter.pageToken ?? '',
          historyLength: filter.historyLength,
          statusTimestampAfter: filter.lastUpdatedAfter,
          includeArtifacts: filter.includeArtifacts,
        },
        context,
      );
      const serializer = new V03PushNotificationSerializer();
      const tasks = page.tasks.map(
        (task) =>
          JSON.parse(serializer.serialize({ payload: { $case: 'task', value: task } }).body) as unknown,
      );
      const result = {
        tasks,
        nextPageToken: page.nextPageToken,
        pageSize: page.pageSize,
        totalSize: page.totalSize,
      };
      return { kind: 'json', status: 200, body: { jsonrpc: '2.0', id, result } };
    } catch (error) {
      return envelope(id, LegacyJsonRpcTransportHandler.mapToLegacyJSONRPCError(error));
    }
  }
}

/**
 * A2A has no JSON-RPC code for "who are you": authentication is HTTP's, so this is a 401 with a
 * challenge, its body an invalid-request envelope naming Parley's reason.
 */
function unauthenticated(id: RpcId): RpcOutcome {
  const error: RpcError = {
    code: A2A_ERROR_CODE.INVALID_REQUEST,
    message: a2aErrors.A2A_AUTH_REQUIRED.message,
    data: [{ '@type': ERROR_INFO_TYPE, reason: 'A2A_AUTH_REQUIRED', domain: 'parley' }],
  };
  return {
    kind: 'json',
    status: 401,
    body: { jsonrpc: '2.0', id, error },
    headers: { 'www-authenticate': 'Bearer realm="parley", Signature realm="parley"' },
  };
}

function invalidRequest(message: string): RpcError {
  return toJsonRpcError(
    new JsonRpcRequestMalformedError({ message, envelopeCode: A2A_ERROR_CODE.INVALID_REQUEST }),
  );
}
