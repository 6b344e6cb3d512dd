import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';

/** Domain-separation tag of the value a provider's evidence must carry; bump the version to change the layout. */
export const teeBindingTag = 'parley/tee-binding/v1';

export interface BindingInput {
  /** The provider's 32-byte Ed25519 public key (its DID key). */
  providerKey: Uint8Array;
  /** SHA-256 of the model file the provider serves. */
  modelSha256: Uint8Array;
  /** The 32-byte nonce the gateway issued for this attestation. */
  nonce: Uint8Array;
}

const fixedLengths = { providerKey: 32, modelSha256: 32, nonce: 32 } as const;

/**
 * What the gateway expects in report data / user data / the SPDM nonce:
 * SHA-256("parley/tee-binding/v1" ‖ provider key ‖ model sha256 ‖ nonce). Every part has a fixed
 * length, so the concatenation is unambiguous. The 32-byte result fills the first half of a
 * 64-byte report-data field; the rest must be zero.
 */
export function expectedBinding(input: BindingInput): Uint8Array {
  for (const [field, length] of Object.entries(fixedLengths)) {
    const value = input[field as keyof BindingInput];
    if (value.length !== length)
      throw new RangeError(`${field} must be ${length} bytes, got ${value.length}`);
  }
  return sha256(
    new Uint8Array([
      ...utf8ToBytes(teeBindingTag),
      ...input.providerKey,
      ...input.modelSha256,
      ...input.nonce,
    ]),
  );
}
