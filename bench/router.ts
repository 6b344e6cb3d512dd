import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateDatabase, openDatabase } from '../src/gateway/database.ts';
import { buildTestApp } from '../src/gateway/testing.ts';
import { IdentityClient } from '../src/identity/testing.ts';
import { type InferenceBody, rankOffers } from '../src/router/inference.ts';
import type { Candidate } from '../src/router/pool.ts';
import { registerProviderSchema } from '../src/router/schemas.ts';
import { type RoutingRequest, routingStrategySchema, selectProvider } from '../src/router/strategies.ts';
import { cryptoRng, type Rng, seededRng } from '../src/shared/index.ts';
import { report } from './harness.ts';

/** A uniform float in [0, 1) from 32 random bits. */
const unit = (rng: Rng) => {
  const bytes = rng.bytes(4);
  return new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0) / 2 ** 32;
};

/** Mostly healthy providers with spread-out figures; about one in twenty is filtered out. */
function syntheticPool(size: number, rng: Rng): Candidate[] {
  return Array.from({ length: size }, (_, i) => {
    const roll = unit(rng);
    return {
      providerId: `provider-${String(i).padStart(5, '0')}`,
      model: 'llama-3.1-8b-instruct',
      pricePerToken: 10n ** 12n + BigInt(Math.floor(unit(rng) * 1e9)) * 10n ** 3n,
      latencyMs: 200 + unit(rng) * 2000,
      ttftMs: 50 + unit(rng) * 500,
      tokensPerSecond: 20 + unit(rng) * 180,
      reputation: unit(rng),
      status: roll < 0.02 ? 'inactive' : roll < 0.1 ? 'degraded' : 'active',
      breaker: roll > 0.97 ? 'open' : roll > 0.95 ? 'half-open' : 'closed',
      tee: roll < 0.5 ? 'sev-snp' : null,
      stake: 10n ** 18n * BigInt(1 + Math.floor(unit(rng) * 100)),
    } satisfies Candidate;
  });
}

/** Decisions per second over `count` calls, after a warm-up of a tenth as many. */
function perSecond(count: number, run: () => unknown): number {
  for (let i = 0; i < Math.max(10, count / 10); i++) run();
  const started = performance.now();
  for (let i = 0; i < count; i++) run();
  return Math.round((count / (performance.now() - started)) * 1000);
}

/**
 * A whole routing decision (pool filter, normalization, strategy) per call on synthetic pools of 10,
 * 100 and 1,000 candidates, winner only (the hot path) and with the full failover list, against a
 * bare scan of the same pool for its lowest bigint price, measured in the same run. `count` is the
 * number of winner-only decisions timed at 1,000 providers; smaller pools get more, full lists fewer.
 */
export async function routerBench(count = Number(process.env.BENCH_COUNT ?? 1000)) {
  const rng = seededRng('router-bench');
  const request: RoutingRequest = {
    minimumStake: 5n * 10n ** 18n,
    expectedOutputTokens: 256,
    deadlineMs: 8000,
  };
  const sizes = [10, 100, 1000];
  const winnerOnly: Record<string, Record<string, number>> = {};
  const withRanked: Record<string, Record<string, number>> = {};
  const bareScan: Record<string, number> = {};
  let sink = 0n;
  for (const size of sizes) {
    const pool = syntheticPool(size, rng);
    const calls = Math.round(count * Math.sqrt(1000 / size));
    bareScan[size] = perSecond(calls, () => {
      let min = pool[0]?.pricePerToken ?? 0n;
      for (const candidate of pool) if (candidate.pricePerToken < min) min = candidate.pricePerToken;
      sink ^= min;
    });
    const winners: Record<string, number> = {};
    const lists: Record<string, number> = {};
    for (const strategy of routingStrategySchema.options) {
      // The random strategy draws from the production source, as it would in the gateway.
      const decide = (ranked: boolean) => () =>
        selectProvider(pool, request, { strategy, rng: cryptoRng, ranked });
      winners[strategy] = perSecond(calls, decide(false));
      lists[strategy] = perSecond(Math.max(20, Math.round(calls / 10)), decide(true));
    }
    winnerOnly[size] = winners;
    withRanked[size] = lists;
  }
  const gateway = await gatewayRouting(sizes, count, rng);
  const atThousand = Object.entries(winnerOnly[1000] ?? {});
  const slowest = Math.min(...atThousand.map(([, perSecond]) => perSecond));
  const bareAtThousand = bareScan[1000] ?? 1;
  report('router', {
    what: 'routing decisions per second: pool filter + normalization + strategy, winner only and with the ranked failover list; gatewayRoutingPerSecond: the whole routing step of a request in the gateway (offers from the registry, health, breakers, stake and pricing, then the first 3 of the failover list) with that many registered providers on a SQLite file',
    count,
    providers: sizes,
    decisionsPerSecondWinnerOnly: winnerOnly,
    decisionsPerSecondRanked: withRanked,
    bareLowestPriceScanPerSecond: bareScan,
    // How many bare scans one decision costs at 1,000 providers: the figure that travels across machines.
    costInBareScansAt1000: Object.fromEntries(
      atThousand.map(([strategy, perSecond]) => [strategy, Number((bareAtThousand / perSecond).toFixed(2))]),
    ),
    gatewayRoutingPerSecond: gateway,
    slowestWinnerOnlyAt1000: slowest,
    meetsAim: slowest >= 100_000,
    sink: String(sink % 10n),
    aim: '>= 100000/s at 1000 providers',
  });
}

/**
 * The routing step every inference request takes in the gateway (`rankOffers`), per strategy, with
 * 10, 100 and 1,000 providers registered, staked (a few below the model's minimum), heartbeating
 * (varied load, so prices differ) and with a window of served outcomes each, in a gateway on a
 * SQLite file. The gateway's clock moves 1 ms per decision, so the registry's one-second cache is
 * read again every 1,000 decisions, as it would be at 1,000 requests/s.
 */
async function gatewayRouting(sizes: number[], count: number, rng: Rng) {
  const db = openDatabase(`file:${join(mkdtempSync(join(tmpdir(), 'parley-bench-router-')), 'parley.db')}`);
  migrateDatabase(db);
  const client = new IdentityClient(buildTestApp({ db }));
  const { services } = client.built;
  const owner = await client.register('autonomous');
  await client.admin('POST', '/v1/admin/deposits', { did: owner.did, asset: 'TNZO', amount: '1000000000' });
  const published = await client.signed(owner, 'POST', '/v1/registry/models', {
    model_id: 'bench-8b',
    name: 'Bench 8B',
    version: '1',
    category: 'LLM',
    modality: 'Text',
    price_per_token: '1000000000000',
    min_stake: '5',
    max_context_length: 8192,
    parameters: '8000000000',
    sha256: 'ab'.repeat(32),
  });
  if (published.status !== 201) throw new Error(`model: ${await published.text()}`);
  const { registry, stake, health } = services.router;
  const forwarding = {
    defaultStrategy: 'weighted' as const,
    maxAttempts: 3,
    attemptTimeoutMs: 2000,
    deadlineMs: 5000,
  };
  const ids: string[] = [];
  const result: Record<string, Record<string, number>> = {};
  for (const size of sizes) {
    while (ids.length < size) {
      const provider = await registry.registerProvider(
        owner.did,
        registerProviderSchema.parse({
          name: `bench-${ids.length}`,
          endpoint: `http://10.0.${ids.length >> 8}.${ids.length & 255}:8080`,
          models: ['bench-8b'],
          capacity: 4 + Math.floor(unit(rng) * 28),
        }),
      );
      stake.bond(provider.id, owner.did, BigInt(1 + Math.floor(unit(rng) * 100)));
      // A served history, as a gateway with traffic has: a full window of outcomes, about 3% failed.
      for (let i = 0; i < 100; i++)
        health.record(provider.id, {
          ok: unit(rng) > 0.03,
          latencyMs: 200 + unit(rng) * 2000,
          ttftMs: 50 + unit(rng) * 500,
          tokensPerSecond: 20 + unit(rng) * 180,
        });
      ids.push(provider.id);
    }
    for (const id of ids)
      registry.heartbeat(id, owner.did, {
        inFlight: Math.floor(unit(rng) * 4),
        tokensPerSecond: 20 + unit(rng) * 180,
      });
    const model = registry.model('bench-8b');
    const perStrategy: Record<string, number> = {};
    // Two rounds over the strategies, the first only to warm up: whichever came first measured slow.
    for (const strategy of [...routingStrategySchema.options, ...routingStrategySchema.options]) {
      const body = {
        model: 'bench-8b',
        messages: [{ role: 'user', content: 'hi' }],
        max_tokens: 256,
        routing: strategy === 'deadline' ? { strategy, deadline_ms: 60_000 } : { strategy },
      } as InferenceBody;
      perStrategy[strategy] = perSecond(Math.max(50, Math.round((count * 10) / size)), () => {
        client.clock.advance(1);
        return rankOffers(
          { router: services.router, forwarding },
          { body, routingHeader: undefined },
          model,
          'TNZO',
          {},
        );
      });
    }
    result[size] = perStrategy;
  }
  db.close();
  return result;
}
