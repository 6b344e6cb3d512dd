import type { RouterServices } from './http.ts';
import type { Candidate } from './pool.ts';
import { quote } from './pricing.ts';
import type { ModelView } from './schemas.ts';

/** What we assume of a provider with no measurements yet: slow enough never to be preferred on speed. */
const unmeasured = { latencyMs: 1000, ttftMs: 500 };

/**
 * The providers serving `model` as routing candidates: price from the pricing engine at each
 * provider's load and TEE, latency and throughput from health (or its heartbeat), status from
 * health and heartbeat, breaker state, and bonded stake.
 */
export function candidatesFor(services: RouterServices, model: ModelView, asset = 'TNZO'): Candidate[] {
  const { registry, health, breakers, stake, oracle } = services;
  return registry
    .listProviders()
    .filter((provider) => provider.models.includes(model.model_id))
    .map((provider) => {
      const seen = health.snapshot(provider.id);
      const priced = quote(
        {
          basePricePerToken: BigInt(model.price_per_token),
          tokens: 1,
          paramsCount: BigInt(model.parameters),
          inFlight: provider.inFlight,
          capacity: provider.capacity,
          tee: provider.tee !== null,
          asset,
        },
        oracle,
      );
      return {
        providerId: provider.id,
        model: model.model_id,
        pricePerToken: priced.perToken,
        latencyMs: seen.latencyMs ?? unmeasured.latencyMs,
        ttftMs: seen.ttftMs ?? unmeasured.ttftMs,
        tokensPerSecond: seen.tokensPerSecond ?? provider.tokensPerSecond,
        reputation: seen.reputation,
        status: health.status(provider.id, Date.parse(provider.lastHeartbeatAt), provider.banned !== null),
        breaker: breakers.state(provider.id),
        tee: provider.tee,
        stake: stake.bonded(provider.id),
      };
    });
}
