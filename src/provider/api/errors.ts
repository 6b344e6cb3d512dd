import { defineErrors } from '../../shared/index.ts';

/** Errors of the provider's HTTP edge; the engine's own come from `engineErrors`. */
export const providerApiErrors = {
  ROUTE_NOT_FOUND: { status: 404, rpcCode: -32601, message: 'No such route. See /openapi.json for the API.' },
  MODEL_NOT_FOUND: {
    status: 404,
    rpcCode: -32602,
    message: 'This provider does not serve that model; GET /v1/models lists the one it does.',
  },
  INVALID_JSON: { status: 400, rpcCode: -32700, message: 'The request body is not valid JSON.' },
  VALIDATION_FAILED: { status: 400, rpcCode: -32602, message: 'The request does not match the schema.' },
  BAD_REQUEST: { status: 400, rpcCode: -32600, message: 'The request could not be understood.' },
  PAYLOAD_TOO_LARGE: { status: 413, rpcCode: -32600, message: 'The request body is larger than allowed.' },
  PROVIDER_UNAUTHORIZED: {
    status: 401,
    rpcCode: -32001,
    message: "This provider needs Authorization: Bearer <the provider's API key>.",
  },
  INTERNAL_ERROR: { status: 500, rpcCode: -32603, message: 'Something went wrong inside the provider.' },
} as const;

export const providerApiError = defineErrors(providerApiErrors);
