import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { z } from 'zod';
import { generateDidKey, publicKeyFromDidKey } from './did-key.ts';

const keyFileSchema = z.object({
  type: z.literal('Ed25519'),
  did: z.string(),
  publicKey: z.string().regex(/^[0-9a-f]{64}$/),
  secretKey: z.string().regex(/^[0-9a-f]{64}$/),
});

/** Writes a new did:key and its secret key to an owner-only file; refuses to overwrite one. */
export function writeNewKeyFile(path: string, seed?: Uint8Array): { did: string; path: string } {
  if (existsSync(path)) throw new Error(`${path} already exists; choose another --out or remove it first`);
  const key = generateDidKey(seed);
  const file = {
    type: 'Ed25519',
    did: key.did,
    publicKey: bytesToHex(key.publicKey),
    secretKey: bytesToHex(key.secretKey),
  };
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return { did: key.did, path };
}

/** Reads a key file written by `parley keygen`. */
export function readKeyFile(path: string): { did: string; secretKey: Uint8Array } {
  const parsed = keyFileSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  if (bytesToHex(publicKeyFromDidKey(parsed.did)) !== parsed.publicKey)
    throw new Error(`${path}: did and publicKey disagree`);
  return { did: parsed.did, secretKey: hexToBytes(parsed.secretKey) };
}
