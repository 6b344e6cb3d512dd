import { bytesToHex } from '@noble/hashes/utils.js';
import { ed25519Signer } from '../shared/index.ts';
import { type ChannelState, encodeVoucher, type SignedState, stateBytes } from './state.ts';

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
  const signature = bytesToHex(ed25519Signer(secretKey)(stateBytes(network, state)));
  return { ...state, keyId, signature };
}

/** The `Parley-Voucher` header value for a signed state. */
export function voucherHeader(state: SignedState): string {
  return encodeVoucher(state);
}
