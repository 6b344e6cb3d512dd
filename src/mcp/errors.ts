import { AppError, defineErrors } from '../shared/index.ts';

/**
 * MCP errors: one table. Transport problems answer HTTP with a JSON-RPC error body; tool problems
 * come back as tool results with `isError` (see `toolError`).
 */
export const mcpErrors = {
  MCP_PARSE_ERROR: { status: 400, rpcCode: -32700, message: 'Parse error: the body is not valid JSON.' },
  MCP_INVALID_REQUEST: {
    status: 400,
    rpcCode: -32600,
    message: 'Invalid Request: the body is not a JSON-RPC 2.0 message (or a non-empty batch of them).',
  },
  MCP_ORIGIN_FORBIDDEN: {
    status: 403,
    rpcCode: -32000,
    message: 'This Origin may not call the MCP endpoint (DNS rebinding protection).',
  },
  MCP_SESSION_REQUIRED: {
    status: 400,
    rpcCode: -32000,
    message: 'Bad Request: send the Mcp-Session-Id header from initialize, or initialize a new session.',
  },
  MCP_RESOURCE_UNKNOWN: {
    status: 404,
    rpcCode: -32002,
    message:
      'No such resource: parley://models, parley://providers/{id}, parley://channels/{id} or parley://identities/{did}.',
  },
  MCP_TOO_MANY_SUBSCRIPTIONS: {
    status: 429,
    rpcCode: -32602,
    message: 'A session may subscribe to at most 64 resources; unsubscribe from some first.',
  },
  MCP_SESSION_NOT_FOUND: {
    status: 404,
    rpcCode: -32001,
    message: 'Session not found: it ended or expired; initialize a new one.',
  },
  MCP_SESSION_FORBIDDEN: {
    status: 403,
    rpcCode: -32000,
    message: 'This session belongs to another caller; initialize your own.',
  },
  MCP_TOO_MANY_SESSIONS: {
    status: 503,
    rpcCode: -32000,
    message: 'The gateway holds too many MCP sessions; end one (DELETE /mcp) or retry later.',
  },
  REGISTRATION_INCOMPLETE: {
    status: 400,
    rpcCode: -32602,
    message:
      'With your own keys, give the challenge and one proof per key (and controllerProof for a machine); ' +
      'or omit keys and let the gateway generate one.',
  },
  PROOF_AMBIGUOUS: {
    status: 400,
    rpcCode: -32602,
    message: 'Give exactly one proof to verify: `receipt`, `ledger_block` or `attestation`.',
  },
  UPSTREAM_REJECTED: {
    status: 502,
    rpcCode: -32014,
    message: 'The provider refused the request; nothing was charged.',
  },
  CHAT_CANCELLED: {
    status: 400,
    rpcCode: -32800,
    message: 'The client cancelled the call; only the tokens delivered before it are charged.',
  },
  INTERNAL_ERROR: {
    status: 500,
    rpcCode: -32603,
    message: 'The gateway failed to complete this call; try again, and report it if it persists.',
  },
} as const;

export const mcpError = defineErrors(mcpErrors);

/** Any thrown value as an AppError: Parley's own errors keep their code, anything else is internal. */
export function asAppError(error: unknown): AppError {
  return error instanceof AppError ? error : mcpError('INTERNAL_ERROR');
}

/** A JSON-RPC error response for transport-level failures (no request id is known yet). */
export function rpcErrorResponse(error: AppError, headers: Record<string, string> = {}): Response {
  return Response.json(
    {
      jsonrpc: '2.0',
      error: {
        code: error.rpcCode,
        message: error.message,
        data: { code: error.code, details: error.details },
      },
      id: null,
    },
    { status: error.status, headers },
  );
}
