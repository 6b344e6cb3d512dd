import { z } from 'zod';
import type { Rng } from '../shared/index.ts';
import {
  type Candidate,
  type Exclusion,
  exclusionCheck,
  type PoolExclusionReason,
  type PoolRequirements,
} from './pool.ts';

export const routingStrategySchema = z.enum([
  'lowest_price',
  'lowest_latency',
  'highest_reputation',
  'random',
  'weighted',
  'deadline',
]);
export type RoutingStrategy = z.infer<typeof routingStrategySchema>;

export interface WeightedWeights {
  price: number;
  latency: number;
  reputation: number;
}

export const defaultWeights: Readonly<WeightedWeights> = { price: 0.4, latency: 0.3, reputation: 0.3 };

export interface RoutingRequest extends PoolRequirements {
  /** Both are needed by the `deadline` strategy only. */
  expectedOutputTokens?: number;
  deadlineMs?: number;
}

export interface RoutingOptions {
  strategy: RoutingStrategy;
  /** Needed by `random`. */
  rng?: Rng;
  /** For `weighted`, and for ordering the failover list of `random`. */
  weights?: Partial<WeightedWeights>;
  /** Weights of the reward and power terms of `deadline`; 1 and 1 by default. */
  alpha?: number;
  beta?: number;
  /** False on the hot path: find the winner in one pass and leave `ranked` holding it alone. */
  ranked?: boolean;
  /** With `ranked`, how many of the failover list to keep (all by default); the rest are never sorted. */
  limit?: number;
}

export type RoutingExclusionReason = PoolExclusionReason | 'deadline_exceeded';

export interface RankedCandidate {
  candidate: Candidate;
  /** Higher is better; for display and explanation, the order itself comes from the strategy. */
  score: number;
}

export interface RoutingDecision {
  chosen?: Candidate;
  /** The pool in failover order, best first. */
  ranked: RankedCandidate[];
  excluded: Exclusion<RoutingExclusionReason>[];
}

/** Min-max bounds over the pool, gathered while it is filtered. */
class Bounds {
  minPrice = 0n;
  maxPrice = 0n;
  minLatency = Infinity;
  maxLatency = -Infinity;
  minSpeed = Infinity;
  maxSpeed = -Infinity;
  private empty = true;

  add(candidate: Candidate): void {
    const price = candidate.pricePerToken;
    if (this.empty) [this.minPrice, this.maxPrice, this.empty] = [price, price, false];
    else if (price < this.minPrice) this.minPrice = price;
    else if (price > this.maxPrice) this.maxPrice = price;
    if (candidate.latencyMs < this.minLatency) this.minLatency = candidate.latencyMs;
    if (candidate.latencyMs > this.maxLatency) this.maxLatency = candidate.latencyMs;
    if (candidate.tokensPerSecond < this.minSpeed) this.minSpeed = candidate.tokensPerSecond;
    if (candidate.tokensPerSecond > this.maxSpeed) this.maxSpeed = candidate.tokensPerSecond;
  }
}

const maxSafe = BigInt(Number.MAX_SAFE_INTEGER);
const priceScale = 1_000_000_000n;
// Reading a bigint through a 64-bit typed array is exact and costs a fraction of Number(bigint).
const scratch = new BigUint64Array(1);
const [low, high] = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? [0, 1] : [1, 0];
const halves = new Uint32Array(scratch.buffer);

/** The value of 0 ≤ `price` ≤ 2^53 − 1 as a number, with no rounding. */
function safeIntegerOf(price: bigint): number {
  scratch[0] = price;
  return (halves[high] ?? 0) * 2 ** 32 + (halves[low] ?? 0);
}

/**
 * (price − min) / range in [0, 1], a number for scoring only; a pool of equal prices gives 0. Money
 * never goes through a float inexactly: when every price is a safe integer the difference is exact
 * and only the quotient rounds; otherwise it is a bigint fixed-point ratio with 1e-9 resolution.
 */
function priceNormalizer(bounds: Bounds): (price: bigint) => number {
  const { minPrice, maxPrice } = bounds;
  const range = maxPrice - minPrice;
  if (range === 0n) return () => 0;
  if (minPrice >= 0n && maxPrice <= maxSafe) {
    const [min, span] = [safeIntegerOf(minPrice), safeIntegerOf(range)];
    return (price) => (safeIntegerOf(price) - min) / span;
  }
  return (price) => Number(((price - minPrice) * priceScale) / range) / 1e9;
}

/** Min-max normalization; 0 when every value is equal. */
function normalizer(min: number, max: number): (value: number) => number {
  const range = max - min;
  return range > 0 ? (value) => (value - min) / range : () => 0;
}

/** Ideal streaming time: first token, then the rest at the measured rate. */
export function expectedCompletionMs(candidate: Candidate, outputTokens: number): number {
  if (outputTokens <= 0) return candidate.ttftMs;
  if (candidate.tokensPerSecond <= 0) return Infinity;
  return candidate.ttftMs + (outputTokens / candidate.tokensPerSecond) * 1000;
}

/** Higher is better. Shown in `ranked` and used to order the strategies that have no exact key. */
type Score = (candidate: Candidate) => number;

function weightedScore(bounds: Bounds, weights: Partial<WeightedWeights> | undefined): Score {
  const { price, latency, reputation } = { ...defaultWeights, ...weights };
  const normalPrice = priceNormalizer(bounds);
  const normalLatency = normalizer(bounds.minLatency, bounds.maxLatency);
  return (c) =>
    price * (1 - normalPrice(c.pricePerToken)) +
    latency * (1 - normalLatency(c.latencyMs)) +
    reputation * c.reputation;
}

function scoreFor(bounds: Bounds, request: RoutingRequest, options: RoutingOptions): Score {
  switch (options.strategy) {
    case 'lowest_price': {
      const normalPrice = priceNormalizer(bounds);
      return (c) => 1 - normalPrice(c.pricePerToken);
    }
    case 'lowest_latency': {
      const normalLatency = normalizer(bounds.minLatency, bounds.maxLatency);
      return (c) => 1 - normalLatency(c.latencyMs);
    }
    case 'highest_reputation':
      return (c) => c.reputation;
    case 'deadline': {
      // U = α·reward/deadline + β·power, with reward = 1 − normalized price and power = normalized
      // tokens per second over the candidates that make the deadline. The deadline enters in seconds
      // so that at α = β = 1 both terms weigh in; in milliseconds the price term would all but vanish.
      const alpha = options.alpha ?? 1;
      const beta = options.beta ?? 1;
      const deadlineSeconds = (request.deadlineMs ?? 0) / 1000;
      const normalPrice = priceNormalizer(bounds);
      const normalSpeed = normalizer(bounds.minSpeed, bounds.maxSpeed);
      return (c) =>
        (alpha * (1 - normalPrice(c.pricePerToken))) / deadlineSeconds +
        beta * normalSpeed(c.tokensPerSecond);
    }
    default:
      return weightedScore(bounds, options.weights);
  }
}

type Order = (a: Candidate, b: Candidate) => number;

/** Exact orders for the strategies with a single key (prices compared as bigint, never via a score). */
const keyOrders: Partial<Record<RoutingStrategy, Order>> = {
  lowest_price: (a, b) =>
    a.pricePerToken < b.pricePerToken ? -1 : a.pricePerToken > b.pricePerToken ? 1 : 0,
  lowest_latency: (a, b) => a.latencyMs - b.latencyMs,
  highest_reputation: (a, b) => b.reputation - a.reputation,
};

/** Deterministic tie-break: lowest providerId, then lowest model (plain code-unit order, no locale). */
function tieBreak(a: Candidate, b: Candidate): number {
  if (a.providerId !== b.providerId) return a.providerId < b.providerId ? -1 : 1;
  return a.model < b.model ? -1 : a.model > b.model ? 1 : 0;
}

/**
 * The pool in failover order, or its first `limit` entries: a full sort when most of it is wanted,
 * else one pass that keeps the best `limit` in order (a failover list is a few entries long).
 */
function rankAll(
  pool: readonly Candidate[],
  score: Score,
  keyOrder: Order | undefined,
  limit = Infinity,
): RankedCandidate[] {
  const before = (a: RankedCandidate, b: RankedCandidate) =>
    (keyOrder ? keyOrder(a.candidate, b.candidate) : b.score - a.score) || tieBreak(a.candidate, b.candidate);
  if (limit <= 0) return [];
  if (limit * 4 >= pool.length)
    return pool
      .map((candidate) => ({ candidate, score: score(candidate) }))
      .sort(before)
      .slice(0, limit);
  const best: RankedCandidate[] = [];
  for (const candidate of pool) {
    // Most of a large pool loses to the last kept entry: that test comes before any allocation.
    const last = best.length === limit ? (best[limit - 1] as RankedCandidate) : undefined;
    const value = keyOrder ? 0 : score(candidate);
    if (last) {
      const order = keyOrder ? keyOrder(candidate, last.candidate) : last.score - value;
      if ((order || tieBreak(candidate, last.candidate)) >= 0) continue;
    }
    const entry = { candidate, score: keyOrder ? score(candidate) : value };
    let at = best.length === limit ? limit - 1 : best.length;
    while (at > 0 && before(entry, best[at - 1] as RankedCandidate) < 0) {
      best[at] = best[at - 1] as RankedCandidate;
      at--;
    }
    best[at] = entry;
  }
  return best;
}

/** The first of `rankAll` by score, in one pass. */
function bestByScore(pool: readonly Candidate[], score: Score): RankedCandidate | undefined {
  let winner: Candidate | undefined;
  let winnerScore = -Infinity;
  for (const candidate of pool) {
    const value = score(candidate);
    if (!winner || value > winnerScore || (value === winnerScore && tieBreak(candidate, winner) < 0)) {
      winner = candidate;
      winnerScore = value;
    }
  }
  return winner && { candidate: winner, score: winnerScore };
}

/** Uniform in [0, n): 32 random bits, redrawn when they fall in the uneven tail that modulo would bias. */
function uniformIndex(rng: Rng, n: number): number {
  const limit = 2 ** 32 - (2 ** 32 % n);
  for (;;) {
    const bytes = rng.bytes(4);
    const value = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
    if (value < limit) return value % n;
  }
}

function checkRequest(request: RoutingRequest, options: RoutingOptions): void {
  if (options.strategy === 'random' && !options.rng) throw new TypeError('the random strategy needs an rng');
  if (options.strategy !== 'deadline') return;
  const { deadlineMs, expectedOutputTokens } = request;
  if (deadlineMs === undefined || !(deadlineMs > 0) || !(Number(expectedOutputTokens) >= 0))
    throw new RangeError('the deadline strategy needs a positive deadlineMs and expectedOutputTokens ≥ 0');
}

/**
 * Filters the candidates, then picks one by the strategy. `ranked` is the pool in failover order;
 * for `random` the draw comes first and the rest follow by weighted score.
 */
export function selectProvider(
  candidates: readonly Candidate[],
  request: RoutingRequest,
  options: RoutingOptions,
): RoutingDecision {
  checkRequest(request, options);
  const reasonFor = exclusionCheck(request);
  const { deadlineMs = Infinity, expectedOutputTokens = 0 } = request;
  const deadline = options.strategy === 'deadline';
  const wantRanked = options.ranked !== false;
  const limit = Math.max(1, options.limit ?? Infinity);
  const keyOrder = keyOrders[options.strategy];
  // A keyed strategy's winner needs neither the pool nor its bounds: it is found during the filter.
  const winnerOnly = keyOrder && !wantRanked;
  const pool: Candidate[] = [];
  const excluded: Exclusion<RoutingExclusionReason>[] = [];
  const bounds = new Bounds();
  let winner: Candidate | undefined;
  for (const candidate of candidates) {
    let reason: RoutingExclusionReason | undefined = reasonFor(candidate);
    if (
      reason === undefined &&
      deadline &&
      expectedCompletionMs(candidate, expectedOutputTokens) > deadlineMs
    )
      reason = 'deadline_exceeded';
    if (reason !== undefined) excluded.push({ providerId: candidate.providerId, reason });
    else if (!winnerOnly) {
      pool.push(candidate);
      bounds.add(candidate);
    } else if (!winner || (keyOrder(candidate, winner) || tieBreak(candidate, winner)) < 0)
      winner = candidate;
  }
  if (winner) {
    // The winner holds the pool's best key, so it normalizes to 0 whatever the other bounds are:
    // scoring it against itself gives its score in the whole pool.
    bounds.add(winner);
    return {
      chosen: winner,
      ranked: [{ candidate: winner, score: scoreFor(bounds, request, options)(winner) }],
      excluded,
    };
  }
  if (pool.length === 0) return { ranked: [], excluded };
  if (options.strategy === 'random' && options.rng) {
    const drawn = uniformIndex(options.rng, pool.length);
    const chosen = pool[drawn] as Candidate;
    const score = weightedScore(bounds, options.weights);
    const rest = wantRanked ? rankAll(pool.toSpliced(drawn, 1), score, undefined, limit - 1) : [];
    return { chosen, ranked: [{ candidate: chosen, score: score(chosen) }, ...rest], excluded };
  }
  const score = scoreFor(bounds, request, options);
  const ranked = wantRanked
    ? rankAll(pool, score, keyOrder, limit)
    : [bestByScore(pool, score) as RankedCandidate];
  return { chosen: ranked[0]?.candidate, ranked, excluded };
}
