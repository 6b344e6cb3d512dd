import type { Clock } from '../shared/index.ts';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerConfig {
  /** Consecutive failures in Closed that open the breaker. */
  failureThreshold: number;
  /** Cool-down in Open before the provider may be probed again. */
  openMs: number;
  /** Requests let through at the same time while Half-Open. */
  halfOpenProbes: number;
}

export const defaultBreakerConfig: Readonly<BreakerConfig> = {
  failureThreshold: 5,
  openMs: 60_000,
  halfOpenProbes: 1,
};

export interface BreakerTransition {
  providerId: string;
  from: BreakerState;
  to: BreakerState;
  /** `clock.now()` when the transition was made; Open → Half-Open is made lazily, when next observed. */
  at: number;
}

export interface BreakerSnapshot {
  providerId: string;
  state: BreakerState;
  consecutiveFailures: number;
  /** When the breaker last opened; present while Open or Half-Open. */
  openedAt?: number;
  halfOpenInFlight: number;
}

/** Leave to send one request; settle it exactly once. Settling again has no effect. */
export interface BreakerPermit {
  readonly providerId: string;
  /** True when this request is a Half-Open probe. */
  readonly probe: boolean;
  success(): void;
  failure(): void;
}

interface Breaker {
  state: BreakerState;
  consecutiveFailures: number;
  openedAt: number | undefined;
  halfOpenInFlight: number;
  /** Bumped on every transition, so a permit can tell whether the state it was issued in still holds. */
  generation: number;
}

/** One breaker per provider: Closed → Open → (cool-down) → Half-Open → Closed, or Open again. */
export class CircuitBreakers {
  readonly config: Readonly<BreakerConfig>;
  private readonly breakers = new Map<string, Breaker>();

  constructor(
    private readonly clock: Clock,
    config: Partial<BreakerConfig> = {},
    private readonly onTransition?: (transition: BreakerTransition) => void,
  ) {
    // `??` rather than a spread, so a key present but undefined (an unset env variable) keeps its default.
    this.config = validBreakerConfig({
      failureThreshold: config.failureThreshold ?? defaultBreakerConfig.failureThreshold,
      openMs: config.openMs ?? defaultBreakerConfig.openMs,
      halfOpenProbes: config.halfOpenProbes ?? defaultBreakerConfig.halfOpenProbes,
    });
  }

  /** The provider's state now; an Open breaker whose cool-down has ended turns Half-Open here. */
  state(providerId: string): BreakerState {
    return this.current(providerId).state;
  }

  /** May a request go to this provider now? In Half-Open it holds a probe slot until the permit settles. */
  tryAcquire(providerId: string): BreakerPermit | undefined {
    const breaker = this.current(providerId);
    if (breaker.state === 'open') return undefined;
    if (breaker.state === 'half-open') {
      if (breaker.halfOpenInFlight >= this.config.halfOpenProbes) return undefined;
      breaker.halfOpenInFlight += 1;
    }
    return this.permit(providerId, breaker);
  }

  /** Every provider seen so far, sorted by id, with cool-downs applied; for metrics and health pages. */
  snapshot(): BreakerSnapshot[] {
    return [...this.breakers.keys()].sort().map((providerId) => {
      const { state, consecutiveFailures, openedAt, halfOpenInFlight } = this.current(providerId);
      return {
        providerId,
        state,
        consecutiveFailures,
        ...(openedAt === undefined ? {} : { openedAt }),
        halfOpenInFlight,
      };
    });
  }

  private current(providerId: string): Breaker {
    let breaker = this.breakers.get(providerId);
    if (!breaker) {
      breaker = {
        state: 'closed',
        consecutiveFailures: 0,
        openedAt: undefined,
        halfOpenInFlight: 0,
        generation: 0,
      };
      this.breakers.set(providerId, breaker);
    }
    const openedAt = breaker.openedAt ?? 0;
    if (breaker.state === 'open' && this.clock.now() >= openedAt + this.config.openMs) {
      this.move(providerId, breaker, 'half-open');
    }
    return breaker;
  }

  private permit(providerId: string, breaker: Breaker): BreakerPermit {
    const generation = breaker.generation;
    const probe = breaker.state === 'half-open';
    let settled = false;
    const settle = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      // Rule: a permit speaks only for the state it was issued in; after a transition its result is dropped.
      if (breaker.generation !== generation) return;
      if (ok) {
        breaker.consecutiveFailures = 0;
        if (probe) this.move(providerId, breaker, 'closed');
        return;
      }
      breaker.consecutiveFailures += 1;
      if (probe || breaker.consecutiveFailures >= this.config.failureThreshold) {
        this.move(providerId, breaker, 'open');
      }
    };
    return { providerId, probe, success: () => settle(true), failure: () => settle(false) };
  }

  /** A settled probe always moves the breaker, and a move frees every probe slot. */
  private move(providerId: string, breaker: Breaker, to: BreakerState): void {
    const from = breaker.state;
    const at = this.clock.now();
    breaker.state = to;
    breaker.generation += 1;
    breaker.halfOpenInFlight = 0;
    if (to === 'open') breaker.openedAt = at;
    if (to === 'closed') {
      breaker.openedAt = undefined;
      breaker.consecutiveFailures = 0;
    }
    this.onTransition?.({ providerId, from, to, at });
  }
}

function validBreakerConfig(config: BreakerConfig): BreakerConfig {
  const { failureThreshold, openMs, halfOpenProbes } = config;
  if (!Number.isInteger(failureThreshold) || failureThreshold < 1) {
    throw new RangeError(`failureThreshold must be an integer of at least 1, got ${failureThreshold}`);
  }
  if (!Number.isFinite(openMs) || openMs < 0) {
    throw new RangeError(`openMs must be a finite number of milliseconds, at least 0, got ${openMs}`);
  }
  if (!Number.isInteger(halfOpenProbes) || halfOpenProbes < 1) {
    throw new RangeError(`halfOpenProbes must be an integer of at least 1, got ${halfOpenProbes}`);
  }
  return config;
}
