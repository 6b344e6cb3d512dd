import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

/**
 * Ed25519 through Node's OpenSSL binding. Keys are still made and encoded with @noble/curves, but on
 * the hot paths (every signed request, every receipt) OpenSSL verifies about 15× faster than noble's
 * pure-JS arithmetic on our machines (bench/identity.ts measures both).
 */
const spkiPrefix = Buffer.from('302a300506032b6570032100', 'hex');
const pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');

const publicKeys = new Map<string, KeyObject>();
const maxCachedKeys = 10_000;

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  const id = Buffer.from(publicKey).toString('hex');
  let key = publicKeys.get(id);
  if (!key) {
    key = createPublicKey({ key: Buffer.concat([spkiPrefix, publicKey]), format: 'der', type: 'spki' });
    if (publicKeys.size >= maxCachedKeys) publicKeys.clear();
    publicKeys.set(id, key);
  }
  return key;
}

/** True when `signature` is a valid Ed25519 signature of `message` under the 32-byte `publicKey`. */
export function verifyEd25519(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  try {
    return verify(null, message, publicKeyObject(publicKey), signature);
  } catch {
    return false;
  }
}

type Signer = (message: Uint8Array) => Uint8Array;

/** Signers already made, per key array (with the bytes they were made from, in case it is reused). */
const signers = new WeakMap<Uint8Array, { from: Uint8Array; sign: Signer }>();

/**
 * A signer over a 32-byte Ed25519 secret key, keeping the parsed key for repeated use. Parsing costs
 * more than a signature, so callers that sign per request with the same key array (clients building
 * signed requests or vouchers) get the signer made the first time, as long as the bytes are the same.
 */
export function ed25519Signer(secretKey: Uint8Array): Signer {
  if (secretKey.length !== 32) throw new RangeError('an Ed25519 secret key has 32 bytes');
  const made = signers.get(secretKey);
  if (made && Buffer.compare(made.from, secretKey) === 0) return made.sign;
  const key = createPrivateKey({
    key: Buffer.concat([pkcs8Prefix, secretKey]),
    format: 'der',
    type: 'pkcs8',
  });
  const signer: Signer = (message) => new Uint8Array(sign(null, message, key));
  signers.set(secretKey, { from: Uint8Array.from(secretKey), sign: signer });
  return signer;
}
