import { defineErrors } from '../shared/index.ts';

/** Identity errors: one table, mapped to HTTP and JSON-RPC at the edges. */
export const identityErrors = {
  IDENTITY_NOT_FOUND: { status: 404, rpcCode: -32004, message: 'No identity with this DID is registered.' },
  DID_INVALID: { status: 400, rpcCode: -32602, message: 'This is not a DID Parley can resolve.' },
  CHALLENGE_INVALID: {
    status: 400,
    rpcCode: -32602,
    message: 'The registration challenge is unknown, expired or already used; request a new one.',
  },
  PROOF_INVALID: { status: 400, rpcCode: -32602, message: 'A registration proof does not verify.' },
  KEY_ALREADY_BOUND: {
    status: 409,
    rpcCode: -32009,
    message: 'This key already belongs to another identity.',
  },
  CONTROLLER_INVALID: {
    status: 400,
    rpcCode: -32602,
    message: 'The controller cannot control this identity.',
  },
  IDENTITY_NOT_ACTIVE: { status: 403, rpcCode: -32003, message: 'Only Active identities may do this.' },
  TRANSITION_INVALID: { status: 409, rpcCode: -32009, message: 'This lifecycle transition is not allowed.' },
  NOT_PERMITTED: { status: 403, rpcCode: -32003, message: 'The caller may not do this.' },
  AUTH_REQUIRED: {
    status: 401,
    rpcCode: -32001,
    message: 'Authenticate with an API key or a signed request.',
  },
  API_KEY_INVALID: { status: 401, rpcCode: -32001, message: 'The API key is unknown or revoked.' },
  SIGNATURE_MISSING: {
    status: 401,
    rpcCode: -32001,
    message: 'The request carries no Signature-Input/Signature.',
  },
  SIGNATURE_MALFORMED: {
    status: 401,
    rpcCode: -32001,
    message: 'The request signature headers cannot be parsed.',
  },
  SIGNATURE_INCOMPLETE: {
    status: 401,
    rpcCode: -32001,
    message: 'The signature must cover @method, @path, @authority, the query and content-digest.',
  },
  SIGNATURE_UNKNOWN_KEY: {
    status: 401,
    rpcCode: -32001,
    message: 'The keyid names no key of a registered identity.',
  },
  SIGNATURE_INVALID: { status: 401, rpcCode: -32001, message: 'The request signature does not verify.' },
  SIGNATURE_EXPIRED: {
    status: 401,
    rpcCode: -32001,
    message: 'The request signature is too old or has expired.',
  },
  SIGNATURE_FROM_FUTURE: {
    status: 401,
    rpcCode: -32001,
    message: 'The signature was created in the future.',
  },
  SIGNATURE_REPLAYED: {
    status: 401,
    rpcCode: -32001,
    message: 'This signed request was already used (nonce seen).',
  },
  DIGEST_MISMATCH: { status: 401, rpcCode: -32001, message: 'Content-Digest does not match the body.' },
  DELEGATION_NOT_FOUND: { status: 404, rpcCode: -32004, message: 'No delegation with this id.' },
  DELEGATION_INVALID: { status: 400, rpcCode: -32602, message: 'The delegation is not valid.' },
  DELEGATION_WIDENS: {
    status: 400,
    rpcCode: -32602,
    message: 'A re-delegation may only keep or narrow the limits of its parent.',
  },
  DELEGATION_UNUSABLE: {
    status: 403,
    rpcCode: -32003,
    message: 'The delegation is revoked, expired or not yet valid.',
  },
  SCOPE_EXCEEDED: { status: 403, rpcCode: -32003, message: 'The request is outside the delegated scope.' },
  WALLET_NOT_FOUND: { status: 404, rpcCode: -32004, message: 'No wallet with this id.' },
  WALLET_SHARES_INVALID: {
    status: 400,
    rpcCode: -32602,
    message: 'Signing needs two distinct valid shares.',
  },
} as const;

export type IdentityErrorCode = keyof typeof identityErrors;
export const identityError = defineErrors(identityErrors);
