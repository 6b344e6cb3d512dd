import { defineErrors } from '../shared/index.ts';

/** Errors raised by the HTTP edge itself; areas keep their own tables. */
export const gatewayErrors = {
  ROUTE_NOT_FOUND: { status: 404, rpcCode: -32601, message: 'No such route. See /openapi.json for the API.' },
  INVALID_JSON: { status: 400, rpcCode: -32700, message: 'The request body is not valid JSON.' },
  VALIDATION_FAILED: { status: 400, rpcCode: -32602, message: 'The request does not match the schema.' },
  BAD_REQUEST: { status: 400, rpcCode: -32600, message: 'The request could not be understood.' },
  PAYLOAD_TOO_LARGE: { status: 413, rpcCode: -32600, message: 'The request body is larger than allowed.' },
  ADMIN_UNAUTHORIZED: {
    status: 401,
    rpcCode: -32001,
    message: 'This admin route needs Authorization: Bearer <admin token>.',
  },
  NOT_READY: { status: 503, rpcCode: -32002, message: 'The gateway is not ready to serve requests.' },
  INTERNAL_ERROR: {
    status: 500,
    rpcCode: -32603,
    message: 'Something went wrong on our side; the request id in X-Request-Id helps us find it.',
  },
} as const;

export const gatewayError = defineErrors(gatewayErrors);
