import type { RouterServices } from './http.ts';
import type { Candidate } from './pool.ts';
import { costOfTokens, type ExchangeRate } from './pricing.ts';
import type { ModelView } from './schemas.ts';

/** What we assume of a provider with no measurements yet: slow enough never to be preferred on speed. */
const unmeasured = { latencyMs: 1000, ttftMs: 500 };

/** A provider's offer for a model: the routing candidate, where to reach it, and how it prices tokens. */
export interface Offer {
  candidate: Candidate;
  endpoint: string;
  /** Cumulative cost of n output tokens at this provider, fixed for the request. */
  costOf: (tokens: number) => bigint;
  /** The appraisal that makes this provider TEE-capable for the model, when one does. */
  appraisalId: string | null;
}

/**
 * The providers serving `model` as routing offers: price from the pricing engine at each provider's
 * load and TEE, latency and throughput from health (or its heartbeat), status from health and
 * heartbeat, breaker state, and bonded stake.
 */
export function offersFor(services: RouterServices, model: ModelView, asset = 'TNZO'): Offer[] {
  const { registry, health, breakers, stake, attestations } = services;
  const offers: Offer[] = [];
  const bonded = stake.bondedNow();
  const priceAt = priceMemo(services, model, asset);
  for (const { view: provider, lastHeartbeatMs } of registry.routableProviders()) {
    if (!provider.models.includes(model.model_id)) continue;
    const seen = health.figures(provider.id);
    // TEE pools and the TEE surcharge follow evidence, never the provider's own claim.
    const attested = attestations.capability(provider.id, model.model_id);
    const { costOf, perToken } = priceAt(provider.inFlight, provider.capacity, attested !== undefined);
    offers.push({
      endpoint: provider.endpoint,
      costOf,
      appraisalId: attested?.appraisalId ?? null,
      candidate: {
        providerId: provider.id,
        model: model.model_id,
        pricePerToken: perToken,
        latencyMs: seen.latencyMs ?? unmeasured.latencyMs,
        ttftMs: seen.ttftMs ?? unmeasured.ttftMs,
        tokensPerSecond: seen.tokensPerSecond ?? provider.tokensPerSecond,
        reputation: seen.reputation,
        status: health.statusFrom(seen, lastHeartbeatMs, provider.banned !== null, provider.draining),
        breaker: breakers.state(provider.id),
        tee: attested?.platform ?? null,
        stake: bonded(provider.id),
      },
    });
  }
  return offers;
}

interface Price {
  costOf: (tokens: number) => bigint;
  perToken: bigint;
}

/**
 * Prices already worked out, per exchange rate (an oracle hands out the same rate object until the
 * rate changes), then per model terms, then per load and TEE. Bounded: a table that grows past
 * `maxPrices` starts over.
 */
const priceBook = new WeakMap<ExchangeRate, Map<string, Map<number, Price>>>();
const maxPrices = 4096;
/** Loads below this fit the numeric key exactly; others (never seen in practice) are priced afresh. */
const keyLimit = 2 ** 20;
const fitsKey = (value: number) => Number.isInteger(value) && value >= 0 && value < keyLimit;

/**
 * The model's price at a provider's load and TEE, for one request. Providers at the same load and
 * TEE share a price, and requests at the same rate and model terms share a table of them.
 */
function priceMemo(services: RouterServices, model: ModelView, asset: string) {
  const basePricePerToken = BigInt(model.price_per_token);
  const paramsCount = BigInt(model.parameters);
  const rate = services.oracle.rate('TNZO', asset);
  let byModel = priceBook.get(rate);
  if (!byModel) {
    byModel = new Map();
    priceBook.set(rate, byModel);
  }
  const terms = `${model.price_per_token}/${model.parameters}/${asset}`;
  let prices = byModel.get(terms);
  if (!prices || prices.size >= maxPrices) {
    prices = new Map();
    byModel.set(terms, prices);
  }
  const table = prices;
  const price = (inFlight: number, capacity: number, tee: boolean): Price => {
    const context = { basePricePerToken, paramsCount, inFlight, capacity, tee, asset };
    const costOf = costOfTokens(context, services.oracle);
    return { costOf, perToken: costOf(1) };
  };
  return (inFlight: number, capacity: number, tee: boolean): Price => {
    if (!(fitsKey(inFlight) && fitsKey(capacity))) return price(inFlight, capacity, tee);
    const key = (capacity * keyLimit + inFlight) * 2 + (tee ? 1 : 0);
    let known = table.get(key);
    if (!known) {
      known = price(inFlight, capacity, tee);
      table.set(key, known);
    }
    return known;
  };
}

/**
 * The models some provider could be routed to right now (what GET /v1/models lists): Active or
 * Degraded, with the model's minimum stake bonded, and attested for it when the model needs a TEE.
 * An open breaker does not count against it: that passes within a minute.
 */
export function servedModels(services: RouterServices): Set<string> {
  const { registry, health, stake, attestations } = services;
  const bonded = stake.bondedNow();
  const terms = new Map(registry.listModels({}).map((model) => [model.model_id, model]));
  const served = new Set<string>();
  for (const { view, lastHeartbeatMs } of registry.routableProviders()) {
    const status = health.status(view.id, lastHeartbeatMs, view.banned !== null, view.draining);
    if (status !== 'active' && status !== 'degraded') continue;
    for (const id of view.models) {
      const model = terms.get(id);
      if (!model || served.has(id) || bonded(view.id) < BigInt(model.min_stake)) continue;
      if (!model.tee_required || attestations.capability(view.id, id)) served.add(id);
    }
  }
  return served;
}

/** The routing candidates for `model` (see `offersFor`). */
export function candidatesFor(services: RouterServices, model: ModelView, asset = 'TNZO'): Candidate[] {
  return offersFor(services, model, asset).map((offer) => offer.candidate);
}

/**
 * The most output tokens whose cumulative cost fits in `budget`, or undefined when tokens cost
 * nothing. Uses costOf(n) ≥ n·costOf(1) to bound the search, so it takes a handful of evaluations.
 */
export function affordableTokens(costOf: (tokens: number) => bigint, budget: bigint): number | undefined {
  const one = costOf(1);
  if (one === 0n) return undefined;
  let low = Number(budget / (one + 1n));
  let high = Math.min(Number(budget / one), 1_000_000_000);
  if (low > high) low = high;
  // invariant: costOf(low) ≤ budget (or low = 0), costOf(high + 1) > budget
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (costOf(middle) <= budget) low = middle;
    else high = middle - 1;
  }
  return low;
}
