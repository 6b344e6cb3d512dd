import { hexToBytes } from '@noble/hashes/utils.js';
import { afterEach, describe, expect, it } from 'vitest';
import { signChannelState, voucherHeader } from '../channels/index.ts';
import { buildTestApp, readJson } from '../gateway/testing.ts';
import { publicKeyFromDidKey } from '../identity/index.ts';
import { IdentityClient } from '../identity/testing.ts';
import { expectedBinding } from '../tee/index.ts';
import { signNitroDocument } from '../tee/testing-evidence.ts';
import { type MockUpstream, startMockUpstream } from './testing.ts';

const modelSha = 'ab'.repeat(32);
const mocks: MockUpstream[] = [];
afterEach(async () => {
  for (const mock of mocks.splice(0)) await mock.close();
});

async function setup() {
  // The test PKI's roots are added as documents are signed; the gateway reads the list when it verifies.
  const nitroRoots: string[] = [];
  const client = new IdentityClient(buildTestApp({ teeRoots: { nitro: nitroRoots }, maxBodyBytes: 65_536 }));
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
  const attest = async (bind: (nonce: string) => Uint8Array) => {
    const { nonce } = await readJson(
      await client.signed(owner, 'POST', `/v1/providers/${provider.id}/attestation/challenge`),
    );
    const { evidence, root } = signNitroDocument({
      pcrs: new Map([[0, new Uint8Array(48).fill(7)]]),
      timestamp: client.clock.now(),
      userData: bind(nonce),
    });
    nitroRoots.push(root.pem);
    return readJson(
      await client.signed(owner, 'POST', `/v1/providers/${provider.id}/attestation`, {
        model: 'secret-7b',
        platform: 'nitro',
        evidence: Buffer.from(evidence).toString('base64'),
      }),
    );
  };
  const binding = (nonce: string) =>
    expectedBinding({
      providerKey: publicKeyFromDidKey(owner.didKey),
      modelSha256: hexToBytes(modelSha),
      nonce: hexToBytes(nonce),
    });
  const explain = async () =>
    readJson(await client.app.request('/v1/routing/explain?model=secret-7b&strategy=lowest_price'));
  return { client, owner, provider, attest, binding, explain };
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
});
