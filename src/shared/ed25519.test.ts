import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { ed25519Signer, verifyEd25519 } from './ed25519.ts';

// RFC 8032 §7.1 TEST 2: one-byte message.
const secretKey = Buffer.from('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb', 'hex');
const publicKey = Buffer.from('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c', 'hex');
const message = Buffer.from('72', 'hex');
const signature = Buffer.from(
  '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  'hex',
);

describe('Ed25519 through OpenSSL', () => {
  it('matches the RFC 8032 test vector and noble', () => {
    expect(Buffer.from(ed25519Signer(secretKey)(message))).toEqual(signature);
    expect(verifyEd25519(signature, message, publicKey)).toBe(true);
    expect(Buffer.from(ed25519.getPublicKey(secretKey))).toEqual(publicKey);
  });

  it('reuses the signer made for a key array, and makes a new one when its bytes change', () => {
    const key = Uint8Array.from(secretKey);
    const first = ed25519Signer(key);
    expect(ed25519Signer(key)).toBe(first);
    expect(ed25519Signer(Uint8Array.from(secretKey))).not.toBe(first);
    key.fill(9);
    const other = ed25519Signer(key);
    expect(other).not.toBe(first);
    expect(verifyEd25519(other(message), message, ed25519.getPublicKey(key))).toBe(true);
    expect(verifyEd25519(other(message), message, publicKey)).toBe(false);
  });

  it('rejects tampering and malformed inputs without throwing', () => {
    const flipped = Buffer.from(signature);
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(verifyEd25519(flipped, message, publicKey)).toBe(false);
    expect(verifyEd25519(signature, Buffer.from('73', 'hex'), publicKey)).toBe(false);
    expect(verifyEd25519(signature.subarray(1), message, publicKey)).toBe(false);
    expect(verifyEd25519(signature, message, publicKey.subarray(1))).toBe(false);
  });
});
