import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { Ledger } from '../channels/index.ts';
import type { IdentityServices } from '../identity/index.ts';
import type { Clock, Rng } from '../shared/index.ts';
import type { TeeServices } from '../tee/index.ts';
import { ProviderAttestations } from './attestation.ts';
import { type BreakerConfig, type BreakerTransition, CircuitBreakers } from './circuit-breaker.ts';
import { HealthTracker } from './health.ts';
import type { RouterServices } from './http.ts';
import { type PriceTable, StaticPriceOracle } from './pricing.ts';
import { ModelRegistry } from './registry.ts';
import { StakeService } from './stake.ts';

export interface RouterConfig {
  orm: BetterSQLite3Database;
  clock: Clock;
  rng: Rng;
  identity: IdentityServices;
  ledger: Ledger;
  allowPrivateEndpoints: boolean;
  priceTable?: PriceTable;
  breaker?: Partial<BreakerConfig>;
  /** Verifying TEE evidence, with the gateway's TEE settings (sim, evidence age, roots). */
  tee: TeeServices;
  /** Told about every breaker transition (the gateway counts them in /metrics). */
  onBreakerTransition?: (transition: BreakerTransition) => void;
}

/** Wires the registry, stake and pricing over one database and the ledger. */
export function createRouterServices(config: RouterConfig): RouterServices {
  const { orm, clock, rng, identity, ledger } = config;
  const registry = new ModelRegistry({
    orm,
    clock,
    rng,
    registry: identity.registry,
    allowPrivateEndpoints: config.allowPrivateEndpoints,
  });
  const stake = new StakeService({ orm, clock, ledger });
  return {
    registry,
    stake,
    attestations: new ProviderAttestations({
      orm,
      clock,
      rng,
      registry,
      identities: identity.registry,
      stake,
      tee: config.tee,
    }),
    oracle: new StaticPriceOracle(config.priceTable),
    health: new HealthTracker(clock),
    breakers: new CircuitBreakers(clock, config.breaker, config.onBreakerTransition),
    rng,
    clock,
    identity,
  };
}
