import { bytesToHex } from '@noble/hashes/utils.js';
import { ed25519Signer } from '../shared/index.ts';
import { type ChannelState, encodeVoucher, type SignedState, stateBytes } from './state.ts';

// Parsing a secret key into OpenSSL's form costs more than a signature: one signer per key array.
const signers = new WeakMap<Uint8Array, (message: Uint8Array) => Uint8Array>();

/**
 * Signs a channel state as the payer: `network` is the gateway's public key (GET /v1/ledger or the
 * channel's `network` field) and `keyId` the DID URL of the payer's key.
 */
export function signChannelState(
  network: string,
  state: ChannelState,
  keyId: string,
  secretKey: Uint8Array,
): SignedState {
  let sign = signers.get(secretKey);
  if (!sign) {
    sign = ed25519Signer(secretKey);
    signers.set(secretKey, sign);
  }
  const signature = bytesToHex(sign(stateBytes(network, state)));
  return { ...state, keyId, signature };
}

/** The `Parley-Voucher` header value for a signed state. */
export function voucherHeader(state: SignedState): string {
  return encodeVoucher(state);
}
