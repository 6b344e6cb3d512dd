import type { McpServer, ToolCallback } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type {
  CallToolResult,
  ServerNotification,
  ServerRequest,
  ToolAnnotations,
} from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { channelErrors } from '../channels/index.ts';
import type { ProtocolContext } from '../gateway/context.ts';
import { authorizeFor, identityErrors, type Principal, type ScopedRequest } from '../identity/index.ts';
import { type AppError, defineErrors } from '../shared/index.ts';
import { callerOf } from './caller.ts';
import { asAppError } from './errors.ts';

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

const identityError = defineErrors(identityErrors);
const channelError = defineErrors(channelErrors);

/** One tool call: who made it (undefined: anonymous) and the SDK's request context. */
export interface ToolCall {
  principal: Principal | undefined;
  requestId: string;
  extra: ToolExtra;
}

/** A call to a tool that needs credentials. */
export interface AuthorizedCall extends ToolCall {
  principal: Principal;
  /**
   * Checks that the caller may act for `did` (default: itself) within its delegated scope, with the
   * tool's name as the operation (`allowed_operations` lists MCP tool names); admins pass.
   */
  authorize(request?: Omit<ScopedRequest, 'operation'>, did?: string): void;
  /** The caller's own account (DID); the admin token holds no funds. */
  account(): string;
}

type Awaitable<T> = T | Promise<T>;

interface ToolShape<Input extends z.ZodObject, Output extends z.ZodObject> {
  name: string;
  title: string;
  /** Written for a model: what it does, when to use it, what it costs, what comes back. */
  description: string;
  input: Input;
  output: Output;
  annotations: Omit<ToolAnnotations, 'title'>;
}

export type Tool<Input extends z.ZodObject, Output extends z.ZodObject> = ToolShape<Input, Output> &
  (
    | { access: 'public'; run(args: z.output<Input>, call: ToolCall): Awaitable<z.input<Output>> }
    | { access: 'private'; run(args: z.output<Input>, call: AuthorizedCall): Awaitable<z.input<Output>> }
  );

/** Registers a tool: credentials and scope for private tools, structured output, errors as tool results. */
export function addTool<Input extends z.ZodObject, Output extends z.ZodObject>(
  server: McpServer,
  context: ProtocolContext,
  tool: Tool<Input, Output>,
): void {
  const config = {
    title: tool.title,
    description: tool.description,
    inputSchema: tool.input,
    outputSchema: tool.output,
    annotations: { title: tool.title, ...tool.annotations },
  };
  const handler = async (args: z.output<Input>, extra: ToolExtra): Promise<CallToolResult> => {
    const { principal, requestId } = callerOf(extra.authInfo);
    try {
      const output =
        tool.access === 'public'
          ? await tool.run(args, { principal, requestId, extra })
          : await tool.run(args, authorizedCall(context, tool.name, { principal, requestId, extra }));
      // Parsing drops anything the schema does not list, so the result always matches outputSchema.
      const structured = tool.output.parse(output) as Record<string, unknown>;
      return { content: [{ type: 'text', text: toJson(structured) }], structuredContent: structured };
    } catch (error) {
      return toolError(asAppError(error));
    }
  };
  // The SDK types a generic schema's arguments loosely; the handler's own type is the precise one.
  server.registerTool(tool.name, config, handler as unknown as ToolCallback<Input>);
}

function authorizedCall(context: ProtocolContext, operation: string, call: ToolCall): AuthorizedCall {
  const { principal } = call;
  if (!principal) {
    throw identityError(
      'AUTH_REQUIRED',
      { tool: operation },
      `${operation} needs credentials: send "Authorization: Bearer parley_…" (an API key) or a signed request to /mcp.`,
    );
  }
  return {
    ...call,
    principal,
    authorize(request = {}, did) {
      if (principal.admin) return;
      authorizeFor(context.identity, principal, did ?? principal.did, { ...request, operation });
    },
    account() {
      if (principal.admin) throw channelError('ACCOUNT_REQUIRED');
      return principal.did;
    },
  };
}

/** A Parley error as an MCP tool result: the code and message for the model, the details for programs. */
export function toolError(error: AppError): CallToolResult {
  const details = Object.keys(error.details).length > 0 ? `\nDetails: ${toJson(error.details)}` : '';
  return {
    isError: true,
    content: [{ type: 'text', text: `${error.code}: ${error.message}${details}` }],
    _meta: { 'parley/error': { code: error.code, message: error.message, details: error.details } },
  };
}

const toJson = (value: unknown) =>
  JSON.stringify(value, (_key, item) => (typeof item === 'bigint' ? item.toString() : item));
