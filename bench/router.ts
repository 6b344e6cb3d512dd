import type { Candidate } from '../src/router/pool.ts';
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
  const atThousand = Object.entries(winnerOnly[1000] ?? {});
  const slowest = Math.min(...atThousand.map(([, perSecond]) => perSecond));
  const bareAtThousand = bareScan[1000] ?? 1;
  report('router', {
    what: 'routing decisions per second: pool filter + normalization + strategy, winner only and with the ranked failover list',
    count,
    providers: sizes,
    decisionsPerSecondWinnerOnly: winnerOnly,
    decisionsPerSecondRanked: withRanked,
    bareLowestPriceScanPerSecond: bareScan,
    // How many bare scans one decision costs at 1,000 providers: the figure that travels across machines.
    costInBareScansAt1000: Object.fromEntries(
      atThousand.map(([strategy, perSecond]) => [strategy, Number((bareAtThousand / perSecond).toFixed(2))]),
    ),
    slowestWinnerOnlyAt1000: slowest,
    meetsAim: slowest >= 100_000,
    sink: String(sink % 10n),
    aim: '>= 100000/s at 1000 providers',
  });
}
