import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { afterEach, describe, expect, it } from 'vitest';
import { signChannelState, voucherHeader } from '../channels/index.ts';
import { type Db, migrateDatabase, openDatabase } from '../gateway/database.ts';
import { buildTestApp, readJson } from '../gateway/testing.ts';
import { publicKeyFromDidKey } from '../identity/index.ts';
import { IdentityClient } from '../identity/testing.ts';
import { expectedBinding, simEvidence, type TeeConfig } from '../tee/index.ts';
import { signNitroDocument } from '../tee/testing-evidence.ts';
import type { TeeModelPolicy } from './schemas.ts';
import { type MockUpstream, startMockUpstream } from './testing.ts';

const modelSha = 'ab'.repeat(32);
const simMeasurement = new Uint8Array(48).fill(0x5a);
const otherMeasurement = new Uint8Array(48).fill(0x66);
const mocks: MockUpstream[] = [];
afterEach(async () => {
  for (const mock of mocks.splice(0)) await mock.close();
});

interface SetupOptions {
  tee?: Partial<TeeConfig>;
  teePolicy?: TeeModelPolicy;
  db?: Db;
}

async function setup(options: SetupOptions = {}) {
  // The test PKI's roots are added as documents are signed; the gateway reads the list when it verifies.
  const nitroRoots: string[] = [];
  const client = new IdentityClient(
    buildTestApp({
      tee: { roots: { nitro: nitroRoots }, ...options.tee },
      maxBodyBytes: 65_536,
      ...(options.db ? { db: options.db } : {}),
    }),
  );
  const owner = await client.register('autonomous');
  await client.admin('POST', '/v1/admin/deposits', { did: owner.did, asset: 'TNZO', amount: '100000' });
  await client.signed(owner, 'POST', '/v1/registry/models', {
    model_id: 'secret-7b',
    name: 'secret',
    version: '1',
    category: 'LLM',
    modality: 'Text',
    price_per_token: '1000',
    min_stake: '500',
    tee_required: true,
    max_context_length: 2048,
    parameters: '1000000000',
    sha256: modelSha,
    ...(options.teePolicy ? { tee_policy: options.teePolicy } : {}),
  });
  const mock = await startMockUpstream();
  mocks.push(mock);
  // The provider claims a TEE at registration; the gateway believes evidence, not claims.
  const provider = await readJson(
    await client.signed(owner, 'POST', '/v1/providers', {
      name: 'enclave',
      endpoint: mock.url,
      models: ['secret-7b'],
      tee: 'nitro',
      capacity: 8,
    }),
  );
  await client.signed(owner, 'POST', `/v1/providers/${provider.id}/stake`, { amount: '1000' });
  /** Submits evidence over a fresh challenge: Nitro from a test PKI, or sim reporting `measurement`. */
  const submit = async (
    bind: (nonce: string) => Uint8Array,
    platform: 'nitro' | 'sim' = 'nitro',
    measurement: Uint8Array = simMeasurement,
  ) => {
    const { nonce } = await readJson(
      await client.signed(owner, 'POST', `/v1/providers/${provider.id}/attestation/challenge`),
    );
    const reportData = new Uint8Array(64);
    reportData.set(bind(nonce));
    let evidence: Uint8Array;
    if (platform === 'sim') {
      evidence = simEvidence({ measurement, reportData, debug: false, timestamp: client.clock.now() });
    } else {
      const signed = signNitroDocument({
        pcrs: new Map([[0, new Uint8Array(48).fill(7)]]),
        timestamp: client.clock.now(),
        userData: bind(nonce),
      });
      nitroRoots.push(signed.root.pem);
      evidence = signed.evidence;
    }
    return client.signed(owner, 'POST', `/v1/providers/${provider.id}/attestation`, {
      model: 'secret-7b',
      platform,
      evidence: Buffer.from(evidence).toString('base64'),
    });
  };
  const attest = async (
    bind: (nonce: string) => Uint8Array,
    platform?: 'nitro' | 'sim',
    measurement?: Uint8Array,
  ) => readJson(await submit(bind, platform, measurement));
  const binding = (nonce: string) =>
    expectedBinding({
      providerKey: publicKeyFromDidKey(owner.didKey),
      modelSha256: hexToBytes(modelSha),
      nonce: hexToBytes(nonce),
    });
  const explain = async () =>
    readJson(await client.app.request('/v1/routing/explain?model=secret-7b&strategy=lowest_price'));
  return { client, owner, provider, submit, attest, binding, explain };
}

describe('provider TEE attestation', () => {
  it('makes a provider TEE-capable for a model only with bound, valid evidence, priced ×1.2', async () => {
    const { client, owner, provider, attest, binding, explain } = await setup();
    expect((await explain()).excluded).toEqual([{ providerId: provider.id, reason: 'tee_required' }]);

    const appraisal = await attest(binding);
    expect(appraisal).toMatchObject({ platform: 'nitro', valid: true, providerId: provider.id });
    const routed = await explain();
    expect(routed.chosen).toBe(provider.id);
    // 1000 × size 1 × utilization 0.5 × TEE 1.2
    expect(routed.ranked[0]).toMatchObject({ tee: 'nitro', pricePerToken: '600' });

    await client.signed(owner, 'POST', '/v1/faucet');
    const channel = await readJson(
      await client.signed(owner, 'POST', '/v1/channels', { asset: 'TNZO', deposit: '1000000000000' }),
    );
    const { secret } = await readJson(await client.signed(owner, 'POST', '/v1/api-keys', { name: 'k' }));
    const voucher = voucherHeader(
      signChannelState(
        channel.network,
        { channelId: channel.id, nonce: 1, cumulativeAmount: '60000', final: false },
        owner.keyId,
        owner.secretKey,
      ),
    );
    const served = await client.app.request('/v1/chat/completions', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${secret}`,
        'parley-voucher': voucher,
      },
      body: JSON.stringify({
        model: 'secret-7b',
        max_tokens: 4,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    expect(served.status).toBe(200);
    expect(served.headers.get('parley-attestation')).toBe(appraisal.id);
    expect((await readJson(served)).parley).toMatchObject({ attestation: appraisal.id, billed_tokens: 4 });
    expect((await readJson(await client.app.request(`/v1/attestations/${appraisal.id}`))).valid).toBe(true);
  });

  it('slashes 10% and drops the provider from TEE pools on evidence that is not bound to it', async () => {
    const { client, provider, attest, binding, explain } = await setup();
    expect((await attest(binding)).valid).toBe(true);
    const forged = await attest(() => new Uint8Array(32).fill(9));
    expect(forged.valid).toBe(false);
    expect(forged.failed).toContain('report-data');
    const stake = await readJson(await client.app.request(`/v1/providers/${provider.id}/stake`));
    expect(stake).toMatchObject({ bonded: '900', slashes: [{ reason: 'invalid_tee', amount: '100' }] });
    expect((await explain()).excluded).toEqual([{ providerId: provider.id, reason: 'tee_required' }]);
  });

  it('refuses evidence without a fresh challenge, and anyone but the provider', async () => {
    const { client, owner, provider } = await setup();
    const unchallenged = await client.signed(owner, 'POST', `/v1/providers/${provider.id}/attestation`, {
      model: 'secret-7b',
      platform: 'nitro',
      evidence: Buffer.from('anything').toString('base64'),
    });
    expect((await readJson(unchallenged)).error.code).toBe('ATTESTATION_CHALLENGE_MISSING');
    const stranger = await client.register('autonomous');
    const challenge = await client.signed(
      stranger,
      'POST',
      `/v1/providers/${provider.id}/attestation/challenge`,
    );
    expect((await readJson(challenge)).error.code).toBe('NOT_PROVIDER_OWNER');
  });

  it('refuses development-only sim evidence unless the gateway enables it, without slashing', async () => {
    const { client, provider, submit, binding } = await setup();
    const refused = await submit(binding, 'sim');
    expect(refused.status).toBe(400);
    expect((await readJson(refused)).error.code).toBe('TEE_PLATFORM_DISABLED');
    const stake = await readJson(await client.app.request(`/v1/providers/${provider.id}/stake`));
    expect(stake).toMatchObject({ bonded: '1000', slashes: [] });
  });
});

describe("a model's TEE policy", () => {
  const policy: TeeModelPolicy = { sim: { measurement: [bytesToHex(simMeasurement)] } };

  it('accepts sim evidence whose measurement the policy lists, and slashes one it does not', async () => {
    const { client, provider, attest, binding, explain } = await setup({
      tee: { allowSim: true },
      teePolicy: policy,
    });
    const good = await attest(binding, 'sim');
    expect(good).toMatchObject({ platform: 'sim', valid: true, modelId: 'secret-7b' });
    expect(good.checks.map((check: { name: string }) => check.name)).toEqual(
      expect.arrayContaining([
        'report-signature',
        'report-data',
        'freshness',
        'reference-values',
        'model-policy',
      ]),
    );
    expect((await explain()).ranked[0]).toMatchObject({ tee: 'sim', pricePerToken: '600' });

    const wrongCode = await attest(binding, 'sim', otherMeasurement);
    expect(wrongCode).toMatchObject({ valid: false, failed: ['reference-values'] });
    const stake = await readJson(await client.app.request(`/v1/providers/${provider.id}/stake`));
    expect(stake).toMatchObject({ bonded: '900', slashes: [{ reason: 'invalid_tee', amount: '100' }] });
    expect((await explain()).excluded).toEqual([{ providerId: provider.id, reason: 'tee_required' }]);
  });

  it('accepts only the platforms it lists', async () => {
    const { attest, binding } = await setup({ tee: { allowSim: true }, teePolicy: policy });
    const nitro = await attest(binding, 'nitro');
    expect(nitro).toMatchObject({ valid: false, failed: ['model-policy'] });
    expect(nitro.checks.at(-1).detail).toBe('model secret-7b accepts TEE evidence only from sim');
  });

  it('ends capabilities a changed policy no longer allows; only the publisher may change it', async () => {
    const { client, owner, provider, attest, binding, explain } = await setup({ tee: { allowSim: true } });
    expect((await attest(binding, 'sim')).valid).toBe(true);
    const stranger = await client.register('autonomous');
    const path = '/v1/registry/models/secret-7b/tee-policy';
    const denied = await client.signed(stranger, 'PUT', path, { tee_policy: policy });
    expect((await readJson(denied)).error.code).toBe('NOT_MODEL_PUBLISHER');

    const listed = await client.signed(owner, 'PUT', path, { tee_policy: policy });
    expect((await readJson(listed)).tee_policy).toEqual(policy);
    expect((await explain()).chosen).toBe(provider.id);

    const other = { sim: { measurement: [bytesToHex(otherMeasurement)] } };
    await client.signed(owner, 'PUT', path, { tee_policy: other });
    expect((await explain()).excluded).toEqual([{ providerId: provider.id, reason: 'tee_required' }]);
    const stake = await readJson(await client.app.request(`/v1/providers/${provider.id}/stake`));
    expect(stake.slashes).toEqual([]);
    const bad = await client.signed(owner, 'PUT', path, { tee_policy: { sim: { measurement: ['XYZ'] } } });
    expect((await readJson(bad)).error.code).toBe('VALIDATION_FAILED');
  });

  it('keeps capabilities across a restart and ends them when the evidence ages out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-tee-'));
    const db = openDatabase(`file:${join(dir, 'parley.db')}`);
    migrateDatabase(db);
    const maxAgeMs = 60_000;
    const first = await setup({ tee: { allowSim: true, maxAgeMs }, db });
    const appraisal = await first.attest(first.binding, 'sim');
    expect(Date.parse(appraisal.expiresAt) - first.client.clock.now()).toBe(maxAgeMs);

    // A second gateway on the same database file reads the capability back.
    const again = buildTestApp({ db, tee: { allowSim: true, maxAgeMs } });
    const explain = async () =>
      readJson(await again.app.request('/v1/routing/explain?model=secret-7b&strategy=lowest_price'));
    expect((await explain()).chosen).toBe(first.provider.id);
    again.clock.advance(maxAgeMs + 1);
    expect((await explain()).excluded).toContainEqual({
      providerId: first.provider.id,
      reason: 'tee_required',
    });
    db.close();
  });
});
