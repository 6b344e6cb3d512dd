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
  CHANNEL_NOT_FOUND: { status: 404, rpcCode: -32004, message: 'No payment channel with this id.' },
  CHANNEL_NOT_OPEN: { status: 409, rpcCode: -32010, message: 'The channel is closing or closed.' },
  CHANNEL_EXPIRED: { status: 409, rpcCode: -32010, message: 'The channel has expired; open a new one.' },
  NOT_PARTICIPANT: { status: 403, rpcCode: -32003, message: 'Only the payer (or an admin) may do this.' },
  VOUCHER_MISSING: {
    status: 402,
    rpcCode: -32011,
    message: 'This request is paid: send a Parley-Voucher header.',
  },
  VOUCHER_INVALID: { status: 400, rpcCode: -32602, message: 'The voucher cannot be read.' },
  VOUCHER_SIGNATURE_INVALID: {
    status: 401,
    rpcCode: -32001,
    message: 'The voucher is not signed by the payer.',
  },
  VOUCHER_WRONG_CHANNEL: { status: 400, rpcCode: -32602, message: 'The voucher names another channel.' },
  VOUCHER_STALE: {
    status: 409,
    rpcCode: -32010,
    message: 'The voucher nonce must be higher than the last accepted one.',
  },
  VOUCHER_DECREASING: { status: 409, rpcCode: -32010, message: 'Cumulative amounts never go down.' },
  VOUCHER_EXCEEDS_DEPOSIT: {
    status: 409,
    rpcCode: -32010,
    message: 'The voucher authorizes more than the deposit.',
  },
  VOUCHER_BELOW_CHARGED: {
    status: 409,
    rpcCode: -32010,
    message: 'The voucher authorizes less than already charged.',
  },
  DISPUTE_NOT_HIGHER: {
    status: 409,
    rpcCode: -32010,
    message: 'A dispute needs a state with a higher nonce.',
  },
} as const;

export const channelError = defineErrors(channelErrors);
