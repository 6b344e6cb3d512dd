import type { RouterServices } from './http.ts';
import type { Candidate } from './pool.ts';
import { costOfTokens, type QuoteContext } from './pricing.ts';
import type { ModelView } from './schemas.ts';

/** What we assume of a provider with no measurements yet: slow enough never to be preferred on speed. */
const unmeasured = { latencyMs: 1000, ttftMs: 500 };

/** A provider's offer for a model: the routing candidate, where to reach it, and how it prices tokens. */
export interface Offer {
  candidate: Candidate;
  endpoint: string;
  pricing: QuoteContext;
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
  const { registry, health, breakers, stake, oracle, attestations } = services;
  const offers: Offer[] = [];
  const bonded = stake.bondedNow();
  const basePricePerToken = BigInt(model.price_per_token);
  const paramsCount = BigInt(model.parameters);
  // Providers at the same load and TEE share a price: work it out once per request for each.
  const prices = new Map<string, { costOf: (tokens: number) => bigint; perToken: bigint }>();
  for (const { view: provider, lastHeartbeatMs } of registry.routableProviders()) {
    if (!provider.models.includes(model.model_id)) continue;
    const seen = health.snapshot(provider.id);
    // TEE pools and the TEE surcharge follow evidence, never the provider's own claim.
    const attested = attestations.capability(provider.id, model.model_id);
    const pricing: QuoteContext = {
      basePricePerToken,
      paramsCount,
      inFlight: provider.inFlight,
      capacity: provider.capacity,
      tee: attested !== undefined,
      asset,
    };
    const terms = `${pricing.inFlight}/${pricing.capacity}/${pricing.tee}`;
    let price = prices.get(terms);
    if (!price) {
      const costOf = costOfTokens(pricing, oracle);
      price = { costOf, perToken: costOf(1) };
      prices.set(terms, price);
    }
    const { costOf } = price;
    offers.push({
      endpoint: provider.endpoint,
      pricing,
      costOf,
      appraisalId: attested?.appraisalId ?? null,
      candidate: {
        providerId: provider.id,
        model: model.model_id,
        pricePerToken: price.perToken,
        latencyMs: seen.latencyMs ?? unmeasured.latencyMs,
        ttftMs: seen.ttftMs ?? unmeasured.ttftMs,
        tokensPerSecond: seen.tokensPerSecond ?? provider.tokensPerSecond,
        reputation: seen.reputation,
        status: health.statusFrom(seen, lastHeartbeatMs, provider.banned !== null),
        breaker: breakers.state(provider.id),
        tee: attested?.platform ?? null,
        stake: bonded(provider.id),
      },
    });
  }
  return offers;
}

/** The models some Active or Degraded provider serves right now (what GET /v1/models lists). */
export function servedModels(services: RouterServices): Set<string> {
  const { registry, health } = services;
  const served = new Set<string>();
  for (const { view, lastHeartbeatMs } of registry.routableProviders()) {
    const status = health.status(view.id, lastHeartbeatMs, view.banned !== null);
    if (status === 'active' || status === 'degraded') for (const model of view.models) served.add(model);
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
