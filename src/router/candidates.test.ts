import { describe, expect, it } from 'vitest';
import { readJson } from '../gateway/testing.ts';
import { IdentityClient } from '../identity/testing.ts';
import { offersFor } from './candidates.ts';
import { type ExchangeRate, type PriceOracle, quote, StaticPriceOracle } from './pricing.ts';

/** A model and three providers of different capacities, all serving it. */
async function market() {
  const client = new IdentityClient();
  const owner = await client.register('autonomous', { capabilities: ['inference'] });
  await client.signed(owner, 'POST', '/v1/registry/models', {
    model_id: 'llama-8b',
    name: 'Llama 8B',
    version: '1',
    category: 'LLM',
    modality: 'Text',
    price_per_token: '1000000000000',
    max_context_length: 4096,
    parameters: '8000000000',
    sha256: 'ef'.repeat(32),
  });
  const ids: string[] = [];
  for (const capacity of [4, 8, 8]) {
    const registered = await readJson(
      await client.signed(owner, 'POST', '/v1/providers', {
        name: `box-${ids.length}`,
        endpoint: `http://127.0.0.1:${7000 + ids.length}`,
        models: ['llama-8b'],
        capacity,
      }),
    );
    ids.push(registered.id as string);
  }
  const router = client.built.services.router;
  const model = router.registry.model('llama-8b');
  /** Each offer's price per token and for 1,000 tokens, next to what a quote says at that load. */
  const prices = (asset: string, oracle: PriceOracle = router.oracle) =>
    offersFor({ ...router, oracle }, model, asset).map((offer) => {
      const provider = router.registry.provider(offer.candidate.providerId);
      const terms = {
        basePricePerToken: BigInt(model.price_per_token),
        paramsCount: BigInt(model.parameters),
        inFlight: provider.inFlight,
        capacity: provider.capacity,
        tee: false,
        asset,
      };
      return {
        offered: [offer.candidate.pricePerToken, offer.costOf(1000)],
        quoted: [
          quote({ ...terms, tokens: 1 }, oracle).total,
          quote({ ...terms, tokens: 1000 }, oracle).total,
        ],
      };
    });
  const load = (inFlight: number[]) =>
    ids.forEach((id, i) => {
      router.registry.heartbeat(id, owner.did, { inFlight: inFlight[i] ?? 0, tokensPerSecond: 50 });
    });
  return { prices, load };
}

describe('routing offers', () => {
  it('price every provider at its own load, request after request, as a quote would', async () => {
    const { prices, load } = await market();
    for (const loads of [
      [0, 0, 0],
      [2, 4, 4], // half full everywhere: one price for all three
      [4, 1, 7],
      [0, 0, 0], // back where it started: the prices remembered from the first request still hold
    ]) {
      load(loads);
      const seen = prices('TNZO');
      expect(seen).toHaveLength(3);
      for (const { offered, quoted } of seen) expect(offered).toEqual(quoted);
    }
  });

  it('follow the exchange rate as soon as the oracle hands out a new one', async () => {
    const { prices, load } = await market();
    load([1, 2, 3]);
    let table = new StaticPriceOracle();
    const oracle: PriceOracle = { rate: (from, to): ExchangeRate => table.rate(from, to) };
    const before = prices('USDC', oracle);
    for (const { offered, quoted } of before) expect(offered).toEqual(quoted);
    table = new StaticPriceOracle({
      TNZO: { usd: '0.5', decimals: 18 },
      USDC: { usd: '1', decimals: 6 },
    });
    const after = prices('USDC', oracle);
    for (const [i, { offered, quoted }] of after.entries()) {
      expect(offered).toEqual(quoted);
      // TNZO doubled against USDC, and so did every price in USDC (each rounded down once).
      const doubled = (before[i]?.offered[0] ?? 0n) * 2n;
      expect(offered[0]).toBeGreaterThanOrEqual(doubled);
      expect(offered[0]).toBeLessThanOrEqual(doubled + 1n);
    }
  });
});
