import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { z } from 'zod';
import { ed25519Signer, type Rng, randomId } from '../shared/index.ts';

/** The gateway's own Ed25519 identity; receipts and ledger blocks are signed with it. */
export interface GatewayKey {
  publicKey: Uint8Array;
  publicKeyHex: string;
  sign(message: Uint8Array): Uint8Array;
}

const keyFileSchema = z.object({
  type: z.literal('Ed25519'),
  secretKey: z.string().regex(/^[0-9a-f]{64}$/),
  publicKey: z.string().regex(/^[0-9a-f]{64}$/),
});

/** Where a secret came from, so `main` can tell the operator about new ones. */
export interface Loaded<T> {
  value: T;
  path: string;
  created: boolean;
}

export function loadOrCreateGatewayKey(dataDir: string, rng: Rng): Loaded<GatewayKey> {
  const path = join(dataDir, 'gateway-key.json');
  let created = false;
  if (!existsSync(path)) {
    const secretKey = ed25519.utils.randomSecretKey(rng.bytes(32));
    const file = {
      type: 'Ed25519',
      secretKey: bytesToHex(secretKey),
      publicKey: bytesToHex(ed25519.getPublicKey(secretKey)),
    };
    writeSecretFile(path, `${JSON.stringify(file, null, 2)}\n`);
    created = true;
  }
  const parsed = keyFileSchema.safeParse(JSON.parse(readSecretFile(path)));
  if (!parsed.success) throw new Error(`${path} is not a Parley gateway key file`);
  const secretKey = hexToBytes(parsed.data.secretKey);
  const publicKey = ed25519.getPublicKey(secretKey);
  if (bytesToHex(publicKey) !== parsed.data.publicKey) {
    throw new Error(`${path}: the public key does not match the secret key`);
  }
  return {
    path,
    created,
    value: {
      publicKey,
      publicKeyHex: parsed.data.publicKey,
      sign: ed25519Signer(secretKey),
    },
  };
}

/** The configured admin token, or one generated on first start and kept in the data dir. */
export function loadOrCreateAdminToken(
  dataDir: string,
  configured: string | undefined,
  rng: Rng,
): Loaded<string> {
  if (configured) return { value: configured, path: 'PARLEY_ADMIN_TOKEN', created: false };
  const path = join(dataDir, 'admin-token');
  if (existsSync(path)) return { value: readSecretFile(path).trim(), path, created: false };
  const token = `parley_admin_${randomId(rng, 24)}`;
  writeSecretFile(path, `${token}\n`);
  return { value: token, path, created: true };
}

/** The 32-byte key that seals wallet shares at rest: PARLEY_WALLET_KEY, or generated once. */
export function loadOrCreateWalletKey(
  dataDir: string,
  configured: string | undefined,
  rng: Rng,
): Loaded<Uint8Array> {
  if (configured) return { value: hexToBytes(configured), path: 'PARLEY_WALLET_KEY', created: false };
  const path = join(dataDir, 'wallet-key');
  if (existsSync(path)) return { value: hexToBytes(readSecretFile(path).trim()), path, created: false };
  const key = rng.bytes(32);
  writeSecretFile(path, `${bytesToHex(key)}\n`);
  return { value: key, path, created: true };
}

function readSecretFile(path: string): string {
  // Someone may have loosened the mode by hand; secrets stay owner-only.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  return readFileSync(path, 'utf8');
}

/** Writes a new owner-only file atomically, so a crash never leaves half a key behind. */
function writeSecretFile(path: string, content: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600, flag: 'wx' });
  renameSync(temporary, path);
}
