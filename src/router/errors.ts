import { defineErrors } from '../shared/index.ts';
import { pricingErrors } from './pricing.ts';

/** Router errors: one table, mapped to HTTP and JSON-RPC at the edges. */
export const routerErrors = {
  ...pricingErrors,
  MODEL_NOT_FOUND: { status: 404, rpcCode: -32004, message: 'No model with this id is registered.' },
  MODEL_EXISTS: { status: 409, rpcCode: -32009, message: 'A model with this id is already registered.' },
  PROVIDER_NOT_FOUND: { status: 404, rpcCode: -32004, message: 'No provider with this id.' },
  PROVIDER_ENDPOINT_REFUSED: {
    status: 400,
    rpcCode: -32602,
    message: 'The provider endpoint points at a loopback, link-local or private address, or is not http(s).',
  },
  NOT_PROVIDER_OWNER: {
    status: 403,
    rpcCode: -32003,
    message: 'Only the identity that registered this provider may do this.',
  },
} as const;

export const routerError = defineErrors(routerErrors);
