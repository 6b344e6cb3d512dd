import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { readJson } from '../src/gateway/testing.ts';
import { generateDidKey, signRegistration } from '../src/identity/index.ts';
import { runCli, startGateway } from './support/gateway-process.ts';

describe('parley ledger verify', () => {
  it('recomputes the books of a real gateway after a restart, and catches an edited row', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-ledger-e2e-'));
    const gateway = await startGateway({ PARLEY_DATA_DIR: dataDir });
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${gateway.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const key = generateDidKey();
    const { challenge } = await readJson(await post('/v1/identities/challenges', {}));
    const payload = {
      challenge,
      kind: 'autonomous' as const,
      keys: [key.did],
      capabilities: [],
      services: [],
    };
    const { did } = await readJson(
      await post('/v1/identities', {
        ...payload,
        proofs: [{ key: key.did, signature: signRegistration(payload, key.secretKey) }],
      }),
    );
    const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    const admin = { authorization: `Bearer ${token}` };
    expect((await post('/v1/admin/deposits', { did, asset: 'USDC', amount: '2500000' }, admin)).status).toBe(
      201,
    );
    expect(
      (await post('/v1/admin/withdrawals', { did, asset: 'USDC', amount: '500000' }, admin)).status,
    ).toBe(201);
    expect(await gateway.stop()).toBe(0);

    const clean = await runCli(['ledger', 'verify'], { PARLEY_DATA_DIR: dataDir });
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ ok: true, blocks: 2, problems: [] });

    const db = new Database(join(dataDir, 'parley.db'));
    db.prepare("UPDATE ledger_postings SET amount = '9500000' WHERE height = 1 AND amount = '2500000'").run();
    db.close();
    const tampered = await runCli(['ledger', 'verify'], { PARLEY_DATA_DIR: dataDir });
    expect(tampered.code).toBe(1);
    const report = JSON.parse(tampered.stdout);
    expect(report.ok).toBe(false);
    expect(report.problems.join('\n')).toContain('block 1: content does not match its hash');
  });
});
