import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRng } from '../shared/index.ts';
import { type Candidate, exclusionCheck, filterPool, type PoolRequirements } from './pool.ts';
import {
  expectedCompletionMs,
  type RoutingOptions,
  type RoutingRequest,
  type RoutingStrategy,
  routingStrategySchema,
  selectProvider,
} from './strategies.ts';

const unit = 10n ** 12n;

function candidate(providerId: string, fields: Partial<Candidate> = {}): Candidate {
  return {
    providerId,
    model: 'llama-3.1-8b',
    pricePerToken: unit,
    latencyMs: 500,
    ttftMs: 100,
    tokensPerSecond: 100,
    reputation: 0.5,
    status: 'active',
    breaker: 'closed',
    tee: null,
    stake: 10n ** 18n,
    ...fields,
  };
}

const ids = (entries: Array<{ candidate: Candidate }>) => entries.map((entry) => entry.candidate.providerId);
const choose = (pool: Candidate[], options: RoutingOptions, request: RoutingRequest = {}) =>
  selectProvider(pool, request, options).chosen?.providerId;

describe('filterPool', () => {
  it('names the first rule each excluded candidate breaks, in input order', () => {
    const candidates = [
      candidate('ok', { tee: 'tdx' }),
      candidate('degraded-half-open', { status: 'degraded', breaker: 'half-open', tee: 'sev-snp' }),
      candidate('inactive', { status: 'inactive' }),
      candidate('banned', { status: 'banned', breaker: 'open' }),
      candidate('open', { breaker: 'open' }),
      candidate('no-tee'),
      candidate('poor', { tee: 'tdx', stake: 10n ** 17n }),
      candidate('other-model', { tee: 'tdx', model: 'mistral-7b' }),
      candidate('stranger', { tee: 'tdx' }),
    ];
    const requirements: PoolRequirements = {
      teeRequired: true,
      minimumStake: 10n ** 18n,
      allowedModels: ['llama-3.1-8b'],
      allowedProviders: ['ok', 'degraded-half-open', 'poor', 'other-model'],
    };
    const { pool, excluded } = filterPool(candidates, requirements);
    expect(pool.map((c) => c.providerId)).toEqual(['ok', 'degraded-half-open']);
    expect(excluded).toEqual([
      { providerId: 'inactive', reason: 'status' },
      { providerId: 'banned', reason: 'status' },
      { providerId: 'open', reason: 'breaker_open' },
      { providerId: 'no-tee', reason: 'tee_required' },
      { providerId: 'poor', reason: 'stake_below_minimum' },
      { providerId: 'other-model', reason: 'model_not_allowed' },
      { providerId: 'stranger', reason: 'provider_not_allowed' },
    ]);
  });

  it('restricts nothing that is left undefined, and everything an empty list names', () => {
    const candidates = [candidate('a', { stake: 0n }), candidate('b', { tee: 'sev-snp' })];
    expect(filterPool(candidates).pool).toHaveLength(2);
    expect(filterPool(candidates, { allowedProviders: [] }).excluded.map((e) => e.reason)).toEqual([
      'provider_not_allowed',
      'provider_not_allowed',
    ]);
    // Long allow-lists go through a Set; the answer is the same.
    const many = Array.from({ length: 20 }, (_, i) => `p${i}`);
    expect(
      filterPool(candidates, { allowedProviders: [...many, 'b'] }).pool.map((c) => c.providerId),
    ).toEqual(['b']);
  });
});

describe('single-key strategies', () => {
  const pool = [
    candidate('cheap-but-down', { pricePerToken: unit / 10n, status: 'inactive' }),
    candidate('mid', { pricePerToken: 2n * unit, latencyMs: 90, reputation: 0.7 }),
    candidate('cheap', { pricePerToken: unit, latencyMs: 400, reputation: 0.2 }),
    candidate('trusted', { pricePerToken: 5n * unit, latencyMs: 120, reputation: 0.99 }),
  ];

  it('lowest_price takes the cheapest provider still in the pool', () => {
    // cheap-but-down is cheaper but inactive, so it is excluded before the strategy runs.
    const decision = selectProvider(pool, {}, { strategy: 'lowest_price' });
    expect(decision.chosen?.providerId).toBe('cheap');
    expect(ids(decision.ranked)).toEqual(['cheap', 'mid', 'trusted']);
    // 1 − normalized price over [1, 5]·unit: 1, 0.75, 0.
    expect(decision.ranked.map((entry) => entry.score)).toEqual([1, 0.75, 0]);
    expect(decision.excluded).toEqual([{ providerId: 'cheap-but-down', reason: 'status' }]);
  });

  it('lowest_latency takes the smallest latency EMA, highest_reputation the best reputation', () => {
    expect(choose(pool, { strategy: 'lowest_latency' })).toBe('mid');
    expect(choose(pool, { strategy: 'highest_reputation' })).toBe('trusted');
    expect(selectProvider(pool, {}, { strategy: 'highest_reputation', ranked: false }).ranked).toEqual([
      { candidate: pool[3], score: 0.99 },
    ]);
  });

  it('compares prices exactly, beyond what a float can tell apart', () => {
    const huge = 10n ** 30n;
    const close = [
      candidate('c', { pricePerToken: huge + 2n }),
      candidate('a', { pricePerToken: huge + 1n }),
      candidate('b', { pricePerToken: huge }),
    ];
    const decision = selectProvider(close, {}, { strategy: 'lowest_price' });
    expect(ids(decision.ranked)).toEqual(['b', 'a', 'c']);
    // The fixed-point ratio sees one atomic unit out of a range of two.
    expect(decision.ranked.map((entry) => entry.score)).toEqual([1, 0.5, 0]);
    expect(choose(close, { strategy: 'lowest_price', ranked: false })).toBe('b');
  });
});

describe('weighted', () => {
  // Normalized price: a 0, b 0.5, c 1. Normalized latency: a 0, b 1, c 0.5.
  const pool = [
    candidate('a', { pricePerToken: unit, latencyMs: 100, reputation: 0.5 }),
    candidate('b', { pricePerToken: 2n * unit, latencyMs: 300, reputation: 0.9 }),
    candidate('c', { pricePerToken: 3n * unit, latencyMs: 200, reputation: 1 }),
  ];

  it('scores 0.4·(1 − price) + 0.3·(1 − latency) + 0.3·reputation', () => {
    const decision = selectProvider(pool, {}, { strategy: 'weighted' });
    expect(ids(decision.ranked)).toEqual(['a', 'b', 'c']);
    const [a, b, c] = decision.ranked.map((entry) => entry.score);
    expect(a).toBeCloseTo(0.4 * 1 + 0.3 * 1 + 0.3 * 0.5, 12); // 0.85
    expect(b).toBeCloseTo(0.4 * 0.5 + 0.3 * 0 + 0.3 * 0.9, 12); // 0.47
    expect(c).toBeCloseTo(0.4 * 0 + 0.3 * 0.5 + 0.3 * 1, 12); // 0.45
  });

  it('takes weights from the options, defaulting the ones left out', () => {
    // reputation 2: a 0.4 + 0.3 + 1 = 1.7, b 0.2 + 0 + 1.8 = 2.0, c 0 + 0.15 + 2 = 2.15.
    const decision = selectProvider(pool, {}, { strategy: 'weighted', weights: { reputation: 2 } });
    expect(ids(decision.ranked)).toEqual(['c', 'b', 'a']);
    expect(decision.ranked[0]?.score).toBeCloseTo(2.15, 12);
    expect(choose(pool, { strategy: 'weighted', weights: { price: 0, latency: 1, reputation: 0 } })).toBe(
      'a',
    );
  });

  it('normalizes a dimension where every value is equal to 0', () => {
    const flat = [
      candidate('x', { reputation: 0.2 }),
      candidate('y', { reputation: 0.6 }),
      candidate('z', { reputation: 0.4 }),
    ];
    const decision = selectProvider(flat, {}, { strategy: 'weighted' });
    expect(ids(decision.ranked)).toEqual(['y', 'z', 'x']);
    // Price and latency both normalize to 0, so each contributes its whole weight.
    expect(decision.ranked[0]?.score).toBeCloseTo(0.4 + 0.3 + 0.3 * 0.6, 12);
    expect(selectProvider(flat, {}, { strategy: 'lowest_price' }).ranked.map((e) => e.score)).toEqual([
      1, 1, 1,
    ]);
  });

  it('normalizes prices past 2^53 through the bigint fixed-point ratio', () => {
    const big = 10n ** 24n;
    const wide = [
      candidate('a', { pricePerToken: big }),
      candidate('b', { pricePerToken: big + 10n ** 21n }),
      candidate('c', { pricePerToken: big + 4n * 10n ** 21n }),
    ];
    const scores = selectProvider(wide, {}, { strategy: 'weighted' }).ranked.map((entry) => entry.score);
    // Price terms 0.4·(1 − 0), 0.4·(1 − 0.25), 0.4·(1 − 1); latency and reputation are equal.
    expect(scores[0]).toBeCloseTo(0.4 + 0.3 + 0.15, 12);
    expect(scores[1]).toBeCloseTo(0.3 + 0.3 + 0.15, 12);
    expect(scores[2]).toBeCloseTo(0.3 + 0.15, 12);
  });
});

describe('deadline', () => {
  // 100 output tokens, 2 s deadline. Completion: slow 500 + 2000 = 2500 ms (dropped),
  // b 200 + 1000 = 1200, c 100 + 500 = 600, d 300 + 714 = 1014.
  // Survivors' normalized price (2, 4, 1 units): b 1/3, c 1, d 0 → reward b 2/3, c 0, d 1.
  // Normalized speed (100, 200, 140): b 0, c 1, d 0.4.
  const pool = [
    candidate('slow', { ttftMs: 500, tokensPerSecond: 50, pricePerToken: unit / 2n }),
    candidate('b', { ttftMs: 200, tokensPerSecond: 100, pricePerToken: 2n * unit }),
    candidate('c', { ttftMs: 100, tokensPerSecond: 200, pricePerToken: 4n * unit }),
    candidate('d', { ttftMs: 300, tokensPerSecond: 140, pricePerToken: unit }),
  ];
  const request = { expectedOutputTokens: 100, deadlineMs: 2000 };

  it('drops what would miss the deadline and takes the argmax of α·reward/deadline + β·power', () => {
    expect(expectedCompletionMs(pool[0] as Candidate, 100)).toBe(2500);
    const decision = selectProvider(pool, request, { strategy: 'deadline' });
    expect(decision.excluded).toEqual([{ providerId: 'slow', reason: 'deadline_exceeded' }]);
    // α = β = 1, deadline 2 s: b 1/3, c 0 + 1 = 1, d 0.5 + 0.4 = 0.9.
    expect(ids(decision.ranked)).toEqual(['c', 'd', 'b']);
    expect(decision.ranked.map((entry) => entry.score)).toEqual([
      1,
      expect.closeTo(0.9, 12),
      expect.closeTo(1 / 3, 12),
    ]);
  });

  it('weighs reward and power by α and β', () => {
    // α = 4: b 4·(2/3)/2 = 1.33, c 1, d 4·1/2 + 0.4 = 2.4.
    expect(choose(pool, { strategy: 'deadline', alpha: 4 }, request)).toBe('d');
    expect(choose(pool, { strategy: 'deadline', beta: 0 }, request)).toBe('d');
    expect(choose(pool, { strategy: 'deadline', alpha: 0 }, request)).toBe('c');
  });

  it('drops a provider that cannot stream, and wants both figures', () => {
    const stalled = [candidate('stalled', { tokensPerSecond: 0 }), candidate('ok')];
    expect(selectProvider(stalled, request, { strategy: 'deadline' }).excluded).toEqual([
      { providerId: 'stalled', reason: 'deadline_exceeded' },
    ]);
    expect(expectedCompletionMs(candidate('idle', { tokensPerSecond: 0 }), 0)).toBe(100);
    expect(() => selectProvider(pool, { deadlineMs: 1000 }, { strategy: 'deadline' })).toThrow(RangeError);
    expect(() => selectProvider(pool, { expectedOutputTokens: 10 }, { strategy: 'deadline' })).toThrow(
      RangeError,
    );
  });

  it('excludes everyone when no one can make it', () => {
    const decision = selectProvider(
      pool,
      { expectedOutputTokens: 100, deadlineMs: 100 },
      { strategy: 'deadline' },
    );
    expect(decision.chosen).toBeUndefined();
    expect(decision.ranked).toEqual([]);
    expect(decision.excluded).toHaveLength(4);
  });
});

describe('ties', () => {
  const same = ['m', 'k', 'z'].map((id) => candidate(id));
  const strategies: RoutingStrategy[] = ['lowest_price', 'lowest_latency', 'highest_reputation', 'weighted'];

  it.each(strategies)('%s breaks ties by the lowest providerId, whatever the input order', (strategy) => {
    for (const order of [same, [...same].reverse()]) {
      expect(choose(order, { strategy })).toBe('k');
      expect(choose(order, { strategy, ranked: false })).toBe('k');
      expect(ids(selectProvider(order, {}, { strategy }).ranked)).toEqual(['k', 'm', 'z']);
    }
    expect(choose(same, { strategy: 'deadline' }, { expectedOutputTokens: 1, deadlineMs: 1000 })).toBe('k');
  });
});

describe('random', () => {
  const pool = ['a', 'b', 'c', 'd', 'e'].map((id, i) => candidate(id, { reputation: i / 4 }));
  const draws = (seed: string, count: number) => {
    const rng = seededRng(seed);
    return Array.from({ length: count }, () => choose(pool, { strategy: 'random', rng, ranked: false }));
  };

  it('repeats for the same seed and reaches every candidate about equally often', () => {
    expect(draws('route', 50)).toEqual(draws('route', 50));
    expect(draws('route', 50)).not.toEqual(draws('other', 50));
    const counts = new Map<string | undefined, number>();
    for (const id of draws('uniform', 5000)) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    for (const count of counts.values()) expect(count).toBeGreaterThan(850); // 1000 expected, σ ≈ 28
  });

  it('puts the draw first and the rest in weighted order', () => {
    const decision = selectProvider(pool, {}, { strategy: 'random', rng: seededRng('ranked') });
    const rest = selectProvider(
      pool.filter((c) => c !== decision.chosen),
      {},
      { strategy: 'weighted' },
    );
    expect(decision.ranked[0]?.candidate).toBe(decision.chosen);
    expect(ids(decision.ranked.slice(1))).toEqual(ids(rest.ranked));
  });

  it('needs an injected rng', () => {
    expect(() => selectProvider(pool, {}, { strategy: 'random' })).toThrow(TypeError);
  });
});

it('routingStrategySchema accepts the six strategy names and nothing else', () => {
  expect(routingStrategySchema.options).toHaveLength(6);
  expect(routingStrategySchema.parse('deadline')).toBe('deadline');
  expect(routingStrategySchema.safeParse('cheapest').success).toBe(false);
});

describe('properties', () => {
  const arbitraryCandidate = fc.record({
    providerId: fc.constantFrom('p0', 'p1', 'p2', 'p3', 'p4', 'p5'),
    model: fc.constantFrom('llama', 'mistral'),
    pricePerToken: fc.oneof(fc.bigInt(0n, 10n), fc.bigInt(0n, 10n ** 30n)),
    latencyMs: fc.double({ min: 0, max: 1e4, noNaN: true }),
    ttftMs: fc.double({ min: 0, max: 1e4, noNaN: true }),
    tokensPerSecond: fc.double({ min: 0, max: 1e3, noNaN: true }),
    reputation: fc.double({ min: 0, max: 1, noNaN: true }),
    status: fc.constantFrom('active', 'degraded', 'inactive', 'banned'),
    breaker: fc.constantFrom('closed', 'open', 'half-open'),
    tee: fc.constantFrom(null, 'sev-snp', 'tdx'),
    stake: fc.bigInt(0n, 10n ** 20n),
  }) as fc.Arbitrary<Candidate>;
  const arbitraryRequest: fc.Arbitrary<RoutingRequest> = fc.record(
    {
      teeRequired: fc.boolean(),
      minimumStake: fc.bigInt(0n, 10n ** 20n),
      allowedModels: fc.subarray(['llama', 'mistral']),
      allowedProviders: fc.subarray(['p0', 'p1', 'p2', 'p3', 'p4', 'p5']),
      expectedOutputTokens: fc.integer({ min: 0, max: 4096 }),
      deadlineMs: fc.double({ min: 1, max: 1e5, noNaN: true }),
    },
    { requiredKeys: ['expectedOutputTokens', 'deadlineMs'] },
  );
  const strategy = fc.constantFrom(...routingStrategySchema.options);
  const candidates = fc.array(arbitraryCandidate, { maxLength: 30 });
  const decide = (pool: Candidate[], request: RoutingRequest, name: RoutingStrategy, ranked = true) =>
    selectProvider(pool, request, { strategy: name, rng: seededRng('property'), ranked });

  it('chooses only a candidate that passes the filter (and the deadline, for deadline)', () => {
    fc.assert(
      fc.property(candidates, arbitraryRequest, strategy, (pool, request, name) => {
        const { chosen } = decide(pool, request, name);
        const eligible = filterPool(pool, request).pool.filter(
          (c) =>
            name !== 'deadline' ||
            expectedCompletionMs(c, request.expectedOutputTokens ?? 0) <= (request.deadlineMs ?? 0),
        );
        expect(chosen === undefined).toBe(eligible.length === 0);
        if (chosen) {
          expect(exclusionCheck(request)(chosen)).toBeUndefined();
          expect(eligible).toContain(chosen);
        }
      }),
    );
  });

  it('lowest_price chooses a minimum price of the pool', () => {
    fc.assert(
      fc.property(candidates, arbitraryRequest, fc.boolean(), (pool, request, ranked) => {
        const { chosen } = decide(pool, request, 'lowest_price', ranked);
        for (const other of filterPool(pool, request).pool)
          expect(chosen?.pricePerToken ?? -1n).toBeLessThanOrEqual(other.pricePerToken);
      }),
    );
  });

  it('ranks a permutation of the pool, with the winner-only answer first', () => {
    fc.assert(
      fc.property(candidates, arbitraryRequest, strategy, (pool, request, name) => {
        const decision = decide(pool, request, name);
        const ranked = decision.ranked.map((entry) => entry.candidate);
        const excluded = new Set(decision.excluded);
        expect(ranked.length + excluded.size).toBe(pool.length);
        const position = (c: Candidate) => pool.indexOf(c);
        const kept = pool.filter((c) => ranked.includes(c));
        expect([...ranked].sort((a, b) => position(a) - position(b))).toEqual(kept);
        expect(new Set(ranked).size).toBe(ranked.length);
        const winnerOnly = decide(pool, request, name, false);
        expect(winnerOnly.chosen).toBe(decision.chosen);
        expect(winnerOnly.ranked[0]?.score).toBe(decision.ranked[0]?.score);
      }),
    );
  });

  it('keeps, under a limit, exactly the head of the full failover list', () => {
    const larger = fc.array(arbitraryCandidate, { maxLength: 60 });
    // Mostly open requests, so that pools stay larger than four times the limit (the one-pass path).
    const open = fc.constant<RoutingRequest>({ expectedOutputTokens: 0, deadlineMs: 1e9 });
    fc.assert(
      fc.property(
        larger,
        fc.oneof(open, open, arbitraryRequest),
        strategy,
        fc.integer({ min: 1, max: 5 }),
        (pool, request, name, limit) => {
          const full = decide(pool, request, name);
          const head = selectProvider(pool, request, { strategy: name, rng: seededRng('property'), limit });
          expect(head.ranked).toEqual(full.ranked.slice(0, limit));
          expect(head.chosen).toBe(full.chosen);
          expect(head.excluded).toEqual(full.excluded);
        },
      ),
      { numRuns: 400 },
    );
  });
});
