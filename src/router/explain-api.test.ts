import { describe, expect, it } from 'vitest';
import { readJson } from '../gateway/testing.ts';
import { IdentityClient } from '../identity/testing.ts';

async function twoProviders() {
  const client = new IdentityClient();
  const owner = await client.register('autonomous');
  await client.admin('POST', '/v1/admin/deposits', { did: owner.did, asset: 'TNZO', amount: '10000' });
  await client.signed(owner, 'POST', '/v1/registry/models', {
    model_id: 'llama-1b',
    name: 'Llama 1B',
    version: '1',
    category: 'LLM',
    modality: 'Text',
    price_per_token: '1000',
    min_stake: '500',
    max_context_length: 2048,
    parameters: '1000000000',
    sha256: '12'.repeat(32),
  });
  const register = async (name: string, capacity: number) =>
    (
      await readJson(
        await client.signed(owner, 'POST', '/v1/providers', {
          name,
          endpoint: 'http://127.0.0.1:7000',
          models: ['llama-1b'],
          capacity,
        }),
      )
    ).id as string;
  const busy = await register('busy', 2);
  const idle = await register('idle', 8);
  for (const id of [busy, idle])
    await client.signed(owner, 'POST', `/v1/providers/${id}/stake`, { amount: '1000' });
  await client.signed(owner, 'POST', `/v1/providers/${busy}/heartbeat`, { inFlight: 2, tokensPerSecond: 50 });
  return { client, owner, busy, idle };
}

describe('GET /v1/routing/explain', () => {
  it('ranks candidates by the strategy and says why others were dropped', async () => {
    const { client, busy, idle } = await twoProviders();
    const cheapest = await readJson(
      await client.app.request('/v1/routing/explain?model=llama-1b&strategy=lowest_price'),
    );
    expect(cheapest.chosen).toBe(idle);
    expect(cheapest.ranked.map((r: { providerId: string }) => r.providerId)).toEqual([idle, busy]);
    expect(cheapest.ranked[0]).toMatchObject({
      pricePerToken: '500',
      status: 'active',
      breaker: 'closed',
      stake: '1000',
    });
    expect(cheapest.ranked[1].pricePerToken).toBe('2000');

    const breakers = client.built.services.router.breakers;
    for (let i = 0; i < 5; i++) breakers.tryAcquire(idle)?.failure();
    const afterFailures = await readJson(
      await client.app.request('/v1/routing/explain?model=llama-1b&strategy=lowest_price'),
    );
    expect(afterFailures.chosen).toBe(busy);
    expect(afterFailures.excluded).toEqual([{ providerId: idle, reason: 'breaker_open' }]);
    const metrics = await (await client.app.request('/metrics')).text();
    expect(metrics).toContain(`parley_breaker_state{provider="${idle}"} 2`);
    expect(metrics).toContain(
      `parley_breaker_transitions_total{provider="${idle}",from="closed",to="open"} 1`,
    );

    const banned = await readJson(
      await client.admin('POST', `/v1/admin/providers/${busy}/ban`, { reason: 'fraud proven' }),
    );
    expect(banned).toMatchObject({ status: 'banned', banned: { reason: 'fraud proven' } });
    const noneLeft = await readJson(
      await client.app.request('/v1/routing/explain?model=llama-1b&strategy=lowest_price'),
    );
    expect(noneLeft.chosen).toBeNull();
    expect(noneLeft.excluded).toEqual(expect.arrayContaining([{ providerId: busy, reason: 'status' }]));
    client.clock.advance(61 * 60_000);
    const stale = await readJson(await client.app.request('/v1/routing/explain?model=llama-1b'));
    expect(stale.chosen).toBeNull();
    expect(stale.excluded.map((e: { reason: string }) => e.reason).sort()).toEqual(['status', 'status']);
    expect((await client.app.request('/v1/routing/explain?model=unknown')).status).toBe(404);
    expect(
      (await readJson(await client.app.request('/v1/routing/explain?model=llama-1b&strategy=fastest'))).error
        .code,
    ).toBe('VALIDATION_FAILED');
  });

  it("applies the stake minimum and the caller's delegated providers", async () => {
    const { client, owner, busy, idle } = await twoProviders();
    await client.signed(owner, 'POST', `/v1/providers/${busy}/unstake`, { amount: '600' });
    const lowStake = await readJson(await client.app.request('/v1/routing/explain?model=llama-1b'));
    expect(lowStake.excluded).toEqual([{ providerId: busy, reason: 'stake_below_minimum' }]);
    const human = await client.register('human');
    const agent = await client.register('machine', { controller: human });
    const delegation = await readJson(await client.delegate(human, agent, { allowed_providers: [busy] }));
    const scoped = await readJson(
      await client.signed(agent, 'GET', '/v1/routing/explain?model=llama-1b', undefined, delegation.id),
    );
    expect(scoped.requirements.allowedProviders).toEqual([busy]);
    expect(scoped.excluded).toEqual(
      expect.arrayContaining([{ providerId: idle, reason: 'provider_not_allowed' }]),
    );
    expect(scoped.chosen).toBeNull();
  });
});
