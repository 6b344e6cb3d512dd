import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { cryptoRng } from '../shared/index.ts';
import { loadOrCreateAdminToken, loadOrCreateGatewayKey } from './secrets.ts';

const tempDir = () => mkdtempSync(join(tmpdir(), 'parley-secrets-'));
const mode = (path: string) => statSync(path).mode & 0o777;

describe('gateway key', () => {
  it('is created once, owner-only, and reused after a restart', () => {
    const dir = tempDir();
    const first = loadOrCreateGatewayKey(dir, cryptoRng);
    expect(first.created).toBe(true);
    expect(mode(first.path)).toBe(0o600);
    const second = loadOrCreateGatewayKey(dir, cryptoRng);
    expect(second.created).toBe(false);
    expect(second.value.publicKeyHex).toBe(first.value.publicKeyHex);
    const message = new TextEncoder().encode('parley receipt v1');
    expect(ed25519.verify(second.value.sign(message), message, first.value.publicKey)).toBe(true);
  });

  it('refuses a key file whose public key does not match', () => {
    const dir = tempDir();
    const { path } = loadOrCreateGatewayKey(dir, cryptoRng);
    const file = JSON.parse(readFileSync(path, 'utf8'));
    writeFileSync(path, JSON.stringify({ ...file, publicKey: '00'.repeat(32) }), { mode: 0o600 });
    expect(() => loadOrCreateGatewayKey(dir, cryptoRng)).toThrow(/does not match/);
  });
});

describe('admin token', () => {
  it('is generated on first start into an owner-only file and reused', () => {
    const dir = tempDir();
    const first = loadOrCreateAdminToken(dir, undefined, cryptoRng);
    expect(first.created).toBe(true);
    expect(first.value).toMatch(/^parley_admin_[0-9a-f]{48}$/);
    expect(mode(first.path)).toBe(0o600);
    expect(loadOrCreateAdminToken(dir, undefined, cryptoRng)).toMatchObject({
      value: first.value,
      created: false,
    });
  });

  it('comes from PARLEY_ADMIN_TOKEN when configured, writing nothing', () => {
    const dir = tempDir();
    expect(loadOrCreateAdminToken(dir, 'configured-admin-token', cryptoRng)).toMatchObject({
      value: 'configured-admin-token',
      created: false,
    });
  });
});
