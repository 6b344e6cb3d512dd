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
    message:
      'The provider endpoint points at a loopback, link-local or private address, or is not http(s). A gateway for local development accepts private endpoints with PARLEY_ALLOW_PRIVATE_PROVIDERS=true.',
  },
  NOT_MODEL_PUBLISHER: {
    status: 403,
    rpcCode: -32003,
    message: 'Only the identity that published this model may change it.',
  },
  NOT_PROVIDER_OWNER: {
    status: 403,
    rpcCode: -32003,
    message: 'Only the identity that registered this provider may do this.',
  },
  NO_PROVIDER_AVAILABLE: {
    status: 503,
    rpcCode: -32013,
    message: 'No provider can serve this model right now.',
  },
  UPSTREAM_FAILED: {
    status: 502,
    rpcCode: -32014,
    message: 'Every provider tried failed to answer; nothing was charged.',
  },
  PAYMENT_REQUIRED: {
    status: 402,
    rpcCode: -32011,
    message: 'This model is paid: send a Parley-Voucher header signed over a payment channel.',
  },
  PAYMENT_INSUFFICIENT: {
    status: 402,
    rpcCode: -32011,
    message: 'The voucher leaves too little authorized to pay for this request.',
  },
  VOUCHER_UNREADABLE: {
    status: 400,
    rpcCode: -32602,
    message: 'The Parley-Voucher header is not base64url of a signed channel state.',
  },
  ATTESTATION_CHALLENGE_MISSING: {
    status: 409,
    rpcCode: -32010,
    message:
      'Ask for a fresh challenge first (POST /v1/providers/{id}/attestation/challenge); it lasts 10 minutes.',
  },
  ROUTING_INVALID: { status: 400, rpcCode: -32602, message: 'Unknown routing strategy.' },
  CHANNEL_NOT_USABLE: {
    status: 403,
    rpcCode: -32003,
    message: 'The voucher must come from a channel the caller pays, opened to the gateway.',
  },
} as const;

export const routerError = defineErrors(routerErrors);
