import { defineErrors } from '../shared/index.ts';

/**
 * A2A errors of Parley's own. Protocol errors (task not found, method not found, …) are the SDK's
 * classes, mapped to JSON-RPC codes by its transport handlers; these ones end a task (its status
 * message carries the Parley error body) or answer a request at the HTTP layer.
 */
export const a2aErrors = {
  A2A_AUTH_REQUIRED: {
    status: 401,
    rpcCode: -32600,
    message:
      'Authenticate every A2A request: Authorization: Bearer parley_… (an API key) or an RFC 9421 signed request.',
  },
  SKILL_REQUEST_INVALID: {
    status: 400,
    rpcCode: -32602,
    message: 'The skill request does not match its schema (see the agent card for examples).',
  },
  ATTESTATION_NOT_SUPPORTED: {
    status: 501,
    rpcCode: -32004,
    message:
      'TEE attestation verification is not available on this gateway yet; it arrives with the TEE area. Inference receipts can be verified now.',
  },
  PAYMENT_REJECTED: { status: 402, rpcCode: -32011, message: 'The client declined to pay for this task.' },
  PAYMENT_PAYLOAD_INVALID: {
    status: 400,
    rpcCode: -32602,
    message:
      'The payment payload carries no readable voucher: send x402.payment.payload.payload.voucher or parley/voucher.',
  },
  UPSTREAM_REFUSED: { status: 502, rpcCode: -32014, message: 'The provider refused the request.' },
  INTERNAL_ERROR: { status: 500, rpcCode: -32603, message: 'The task failed inside the gateway.' },
} as const;

export const a2aError = defineErrors(a2aErrors);
