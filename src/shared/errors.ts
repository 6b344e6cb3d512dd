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
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

export interface ErrorBody {
  error: { code: string; message: string; details: ErrorDetails };
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

/** The error body schema, for OpenAPI documents. */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'ROUTE_NOT_FOUND' }),
      message: z.string(),
      details: z.record(z.string(), z.unknown()),
    }),
  })
  .meta({ id: 'Error', description: 'Every error response has this shape; `code` is stable.' });
