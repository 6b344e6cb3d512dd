import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJson } from '../src/gateway/testing.ts';
import { readKeyFile, signedRequestHeaders, signRegistration } from '../src/identity/index.ts';
import { runCli, startGateway } from './support/gateway-process.ts';

describe('identity over real HTTP', () => {
  it('keygen, register with proof, then sign requests and use an API key against a running gateway', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-identity-e2e-'));
    const keyPath = join(dir, 'agent-key.json');
    const keygen = await runCli(['keygen', '--out', keyPath]);
    expect(keygen.code).toBe(0);
    expect(keygen.stdout.trim()).toMatch(/^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]+$/);
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    const key = readKeyFile(keyPath);
    expect(key.did).toBe(keygen.stdout.trim());

    const gateway = await startGateway({ PARLEY_DATA_DIR: join(dir, 'data') });
    try {
      const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
        fetch(`${gateway.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(body),
        });
      const { challenge } = await readJson(await post('/v1/identities/challenges', {}));
      const payload = {
        challenge,
        kind: 'autonomous' as const,
        keys: [key.did],
        capabilities: ['inference'],
        services: [],
      };
      const registered = await post('/v1/identities', {
        ...payload,
        proofs: [{ key: key.did, signature: signRegistration(payload, key.secretKey) }],
      });
      expect(registered.status).toBe(201);
      const { did } = await readJson(registered);

      const body = JSON.stringify({ name: 'e2e' });
      const url = `${gateway.url}/v1/api-keys`;
      const headers = signedRequestHeaders({
        method: 'POST',
        url,
        body,
        keyId: `${did}#key-1`,
        secretKey: key.secretKey,
        created: Math.floor(Date.now() / 1000),
        nonce: 'e2e-nonce-0001',
      });
      const created = await fetch(url, { method: 'POST', headers, body });
      expect(created.status).toBe(201);
      const { secret } = await readJson(created);
      const replay = await fetch(url, { method: 'POST', headers, body });
      expect((await readJson(replay)).error.code).toBe('SIGNATURE_REPLAYED');

      const listed = await fetch(url, { headers: { authorization: `Bearer ${secret}` } });
      expect((await readJson(listed)).data).toHaveLength(1);
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
  });
});
