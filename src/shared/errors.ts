import { z } from 'zod';

/** What every error code in an area's table maps to: an HTTP status, a JSON-RPC code and a default message. */
export interface ErrorSpec {
  readonly status: number;
  readonly rpcCode: number;
  readonly message: string;
}

export type ErrorDetails = Record<string, unknown>;

/** The one error type areas throw; the gateway turns it into `{"error":{code,message,details}}`. */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details: ErrorDetails = {},
    readonly rpcCode = -32603,
  ) {
    super(message);
    this.name = 'AppError';
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        type: errorType(this.status),
        param: paramOf(this.details),
        details: this.details,
      },
    };
  }
}

/**
 * `type` and `param` make every Parley error also an OpenAI-shaped one, so OpenAI clients report
 * them properly; `code` is Parley's stable code.
 */
export interface ErrorBody {
  error: { code: string; message: string; type: string; param: string | null; details: ErrorDetails };
}

function errorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 402) return 'payment_required';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  return status >= 500 ? 'server_error' : 'invalid_request_error';
}

/** The first invalid field of a validation error, as OpenAI's `param`. */
function paramOf(details: ErrorDetails): string | null {
  const issues = details.issues;
  if (!Array.isArray(issues) || issues.length === 0) return null;
  const path = (issues[0] as { path?: unknown }).path;
  return typeof path === 'string' && path !== '' ? path : null;
}

/**
 * Builds an area's error constructor from its table, so codes are checked at compile time:
 * `const fail = defineErrors(table); throw fail('CHANNEL_CLOSED', { channelId })`.
 */
export function defineErrors<Table extends Record<string, ErrorSpec>>(table: Table) {
  return (code: keyof Table & string, details: ErrorDetails = {}, message?: string): AppError => {
    const spec = table[code] as ErrorSpec;
    return new AppError(code, spec.status, message ?? spec.message, details, spec.rpcCode);
  };
}

/**
 * Why a request failed, as its cause tells it (ECONNREFUSED, ENOTFOUND, ECONNRESET…): fetch itself
 * says only "fetch failed". Other errors keep their message.
 */
export function fetchFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error.message;
}

/**
 * A failed schema check as error details (every issue with its path) and a message naming the first
 * issue, since most clients show only the message.
 */
export function schemaFailure(
  issues: ReadonlyArray<{ path: PropertyKey[]; message: string; code: string }>,
  base = 'The request does not match the schema.',
): { details: ErrorDetails; message: string } {
  const listed = issues.map(({ path, message, code }) => ({ path: path.join('.'), message, code }));
  const first = listed[0];
  const more = listed.length > 1 ? ` (and ${listed.length - 1} more)` : '';
  return {
    details: { issues: listed },
    message: first ? `${base} ${first.path || 'body'}: ${first.message}${more}` : base,
  };
}

/** The error body schema, for OpenAPI documents. */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'ROUTE_NOT_FOUND' }),
      message: z.string(),
      type: z.string().meta({ description: "OpenAI's error type, e.g. invalid_request_error" }),
      param: z.string().nullable().meta({ description: 'The offending field, when one is' }),
      details: z.record(z.string(), z.unknown()),
    }),
  })
  .meta({ id: 'Error', description: 'Every error response has this shape; `code` is stable.' });
