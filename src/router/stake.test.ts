import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildTestApp, readJson } from '../gateway/testing.ts';
import { IdentityClient } from '../identity/testing.ts';
import { candidatesFor } from './candidates.ts';
import { type SlashReason, slashingPolicy } from './stake.ts';

const TNZO = 10n ** 18n;

async function stakedProvider() {
  const client = new IdentityClient();
  const provider = await client.register('autonomous', { capabilities: ['inference'] });
  await client.admin('POST', '/v1/admin/deposits', {
    did: provider.did,
    asset: 'TNZO',
    amount: (200_000n * TNZO).toString(),
  });
  await client.signed(provider, 'POST', '/v1/registry/models', {
    model_id: 'llama-1b',
    name: 'Llama 1B',
    version: '1',
    category: 'LLM',
    modality: 'Text',
    price_per_token: '1000',
    max_context_length: 2048,
    parameters: '1000000000',
    sha256: 'cd'.repeat(32),
  });
  const registered = await readJson(
    await client.signed(provider, 'POST', '/v1/providers', {
      name: 'box',
      endpoint: 'http://127.0.0.1:7000',
      models: ['llama-1b'],
    }),
  );
  const balance = async () =>
    BigInt(
      (await readJson(await client.app.request(`/v1/accounts/${provider.did}/balances`))).balances[0]
        ?.amount ?? '0',
    );
  return { client, provider, id: registered.id as string, balance };
}

describe('provider stake', () => {
  it('shows routing what another gateway on the same database bonded, within a second', async () => {
    const { client, provider, id } = await stakedProvider();
    const other = buildTestApp({ db: client.built.db }).services.router.stake;
    const routed = () =>
      candidatesFor(
        client.built.services.router,
        client.built.services.router.registry.model('llama-1b'),
      ).find((c) => c.providerId === id)?.stake;
    expect(routed()).toBe(0n);
    other.bond(id, provider.did, 700n * TNZO);
    expect(routed()).toBe(0n); // this gateway's read of every stake is at most a second old
    client.clock.advance(999);
    expect(routed()).toBe(0n);
    client.clock.advance(1);
    expect(routed()).toBe(700n * TNZO);
  });

  it('reaches routing as soon as the ledger moves: bond, unbond and slash, no stale stake in between', async () => {
    const { client, provider, id } = await stakedProvider();
    const { stake, registry } = client.built.services.router;
    const routed = () =>
      candidatesFor(client.built.services.router, registry.model('llama-1b')).find((c) => c.providerId === id)
        ?.stake;
    expect(routed()).toBe(0n);
    await client.signed(provider, 'POST', `/v1/providers/${id}/stake`, {
      amount: (1_000n * TNZO).toString(),
    });
    expect(routed()).toBe(1_000n * TNZO);
    await client.signed(provider, 'POST', `/v1/providers/${id}/unstake`, {
      amount: (400n * TNZO).toString(),
    });
    expect(routed()).toBe(600n * TNZO);
    stake.slash(id, 'fraud', { test: true });
    expect(routed()).toBe(stake.bonded(id));
    expect(routed()).toBe(450n * TNZO);
  });

  it('bonds from the provider balance, unbonds over 7 days, and releases only then', async () => {
    const { client, provider, id, balance } = await stakedProvider();
    const bonded = await readJson(
      await client.signed(provider, 'POST', `/v1/providers/${id}/stake`, {
        amount: (150_000n * TNZO).toString(),
      }),
    );
    expect(bonded).toMatchObject({ bonded: (150_000n * TNZO).toString(), slashes: [] });
    expect(await balance()).toBe(50_000n * TNZO);
    const { releaseAt } = await readJson(
      await client.signed(provider, 'POST', `/v1/providers/${id}/unstake`, {
        amount: (50_000n * TNZO).toString(),
      }),
    );
    expect(releaseAt).toBe(new Date(client.clock.now() + 7 * 24 * 3600_000).toISOString());
    const stake = client.built.services.router.stake;
    client.clock.advance(7 * 24 * 3600_000 - 1);
    expect(stake.releaseDue()).toBe(0);
    expect(await balance()).toBe(50_000n * TNZO);
    client.clock.advance(1);
    expect(stake.releaseDue()).toBe(1);
    expect(stake.releaseDue()).toBe(0);
    expect(await balance()).toBe(100_000n * TNZO);
    const tooMuch = await client.signed(provider, 'POST', `/v1/providers/${id}/unstake`, {
      amount: (100_001n * TNZO).toString(),
    });
    expect((await readJson(tooMuch)).error.code).toBe('INSUFFICIENT_FUNDS');
    const stranger = await client.register('autonomous');
    const notMine = await client.signed(stranger, 'POST', `/v1/providers/${id}/stake`, { amount: '1' });
    expect((await readJson(notMine)).error.code).toBe('NOT_PROVIDER_OWNER');
  });

  it('slashes the policy share with its evidence, into the treasury, only by admins', async () => {
    const { client, provider, id } = await stakedProvider();
    await client.signed(provider, 'POST', `/v1/providers/${id}/stake`, {
      amount: (100_000n * TNZO).toString(),
    });
    const evidence = { report: 'snp-report-hash', verifier: 'tee' };
    expect(
      (
        await client.signed(provider, 'POST', `/v1/admin/providers/${id}/slash`, {
          reason: 'fraud',
          evidence,
        })
      ).status,
    ).toBe(401);
    const slash = await readJson(
      await client.admin('POST', `/v1/admin/providers/${id}/slash`, { reason: 'invalid_tee', evidence }),
    );
    expect(slash).toMatchObject({ reason: 'invalid_tee', amount: (10_000n * TNZO).toString(), evidence });
    const block = await readJson(await client.app.request(`/v1/ledger/blocks/${slash.height}`));
    expect(block).toMatchObject({ kind: 'stake.slash', memo: { providerId: id, reason: 'invalid_tee' } });
    const stake = await readJson(await client.app.request(`/v1/providers/${id}/stake`));
    expect(stake.bonded).toBe((90_000n * TNZO).toString());
    expect(stake.slashes).toHaveLength(1);
    const unknown = await client.admin('POST', `/v1/admin/providers/${id}/slash`, {
      reason: 'being_late',
      evidence,
    });
    expect((await readJson(unknown)).error.code).toBe('VALIDATION_FAILED');
  });

  it('never slashes more than is bonded, whatever the sequence of offences', async () => {
    const { client, provider, id } = await stakedProvider();
    await client.signed(provider, 'POST', `/v1/providers/${id}/stake`, {
      amount: (1_000n * TNZO + 7n).toString(),
    });
    const stake = client.built.services.router.stake;
    const reasons = Object.keys(slashingPolicy) as SlashReason[];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...reasons), { maxLength: 30 }), (offences) => {
        for (const reason of offences) {
          const before = stake.bonded(id);
          const slash = stake.slash(id, reason, { test: true });
          const after = stake.bonded(id);
          expect(BigInt(slash.amount)).toBeLessThanOrEqual(before);
          expect(BigInt(slash.amount)).toBe((before * slashingPolicy[reason]) / 1_000_000n);
          expect(after).toBe(before - BigInt(slash.amount));
          expect(after).toBeGreaterThanOrEqual(0n);
        }
      }),
      { numRuns: 30 },
    );
  });
});
