import { defineErrors } from '../shared/index.ts';

/** Ledger and channel errors: one table, mapped to HTTP and JSON-RPC at the edges. */
export const channelErrors = {
  ASSET_UNKNOWN: { status: 400, rpcCode: -32602, message: 'This gateway does not know that asset.' },
  INSUFFICIENT_FUNDS: {
    status: 409,
    rpcCode: -32010,
    message: 'The account does not hold enough of this asset.',
  },
  LEDGER_UNBALANCED: { status: 500, rpcCode: -32603, message: 'A ledger transaction did not balance.' },
  BLOCK_NOT_FOUND: { status: 404, rpcCode: -32004, message: 'No ledger block at this height.' },
  RECIPIENT_UNKNOWN: {
    status: 404,
    rpcCode: -32004,
    message: 'The recipient is not a registered, usable identity.',
  },
  ACCOUNT_REQUIRED: {
    status: 403,
    rpcCode: -32003,
    message: 'The admin token holds no funds; act as an identity.',
  },
  FAUCET_DISABLED: { status: 403, rpcCode: -32003, message: 'The faucet is off on this gateway.' },
  FAUCET_RATE_LIMITED: {
    status: 429,
    rpcCode: -32029,
    message: 'This identity drew from the faucet recently.',
  },
} as const;

export const channelError = defineErrors(channelErrors);
