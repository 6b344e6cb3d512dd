import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../shared/index.ts';
import {
  type BreakerConfig,
  type BreakerPermit,
  type BreakerState,
  type BreakerTransition,
  CircuitBreakers,
  defaultBreakerConfig,
} from './circuit-breaker.ts';

const start = Date.UTC(2026, 0, 1);

function setup(config: Partial<BreakerConfig> = {}) {
  const clock = new ManualClock(start);
  const transitions: BreakerTransition[] = [];
  const breakers = new CircuitBreakers(clock, config, (t) => transitions.push(t));
  const acquire = (providerId: string): BreakerPermit => {
    const permit = breakers.tryAcquire(providerId);
    if (!permit) throw new Error(`${providerId} refused a request`);
    return permit;
  };
  const fail = (providerId: string, times: number) => {
    for (let i = 0; i < times; i++) acquire(providerId).failure();
  };
  return { clock, transitions, breakers, fail, acquire };
}

describe('CircuitBreakers', () => {
  it('stays closed through 4 consecutive failures and opens on the 5th', () => {
    const { breakers, fail, transitions } = setup();
    fail('p1', 4);
    expect(breakers.state('p1')).toBe('closed');
    expect(transitions).toEqual([]);
    fail('p1', 1);
    expect(breakers.state('p1')).toBe('open');
    expect(transitions).toEqual([{ providerId: 'p1', from: 'closed', to: 'open', at: start }]);
  });

  it('refuses requests while open and turns half-open exactly when the 60 s cool-down ends', () => {
    const { breakers, fail, clock } = setup();
    fail('p1', 5);
    expect(breakers.tryAcquire('p1')).toBeUndefined();
    clock.advance(59_999);
    expect(breakers.tryAcquire('p1')).toBeUndefined();
    expect(breakers.state('p1')).toBe('open');
    clock.advance(1);
    expect(breakers.state('p1')).toBe('half-open');
  });

  it('admits only one probe while the first is in flight', () => {
    const { breakers, fail, clock } = setup();
    fail('p1', 5);
    clock.advance(60_000);
    const probe = breakers.tryAcquire('p1');
    expect(probe?.probe).toBe(true);
    expect(breakers.tryAcquire('p1')).toBeUndefined();
    expect(breakers.tryAcquire('p1')).toBeUndefined();
    expect(breakers.snapshot()[0]?.halfOpenInFlight).toBe(1);
  });

  it('closes on a probe success and starts counting failures from zero', () => {
    const { breakers, fail, clock, acquire } = setup();
    fail('p1', 5);
    clock.advance(60_000);
    acquire('p1').success();
    expect(breakers.state('p1')).toBe('closed');
    expect(breakers.snapshot()).toEqual([
      { providerId: 'p1', state: 'closed', consecutiveFailures: 0, halfOpenInFlight: 0 },
    ]);
    fail('p1', 4);
    expect(breakers.state('p1')).toBe('closed');
    expect(acquire('p1').probe).toBe(false);
  });

  it('re-opens on a probe failure with a fresh 60 s cool-down', () => {
    const { breakers, fail, clock, acquire } = setup();
    fail('p1', 5);
    clock.advance(70_000);
    acquire('p1').failure();
    expect(breakers.state('p1')).toBe('open');
    expect(breakers.snapshot()[0]?.openedAt).toBe(start + 70_000);
    clock.advance(59_999);
    expect(breakers.tryAcquire('p1')).toBeUndefined();
    clock.advance(1);
    expect(breakers.state('p1')).toBe('half-open');
  });

  it('resets the consecutive-failure count on a success in closed', () => {
    const { breakers, fail, acquire } = setup();
    fail('p1', 4);
    acquire('p1').success();
    expect(breakers.snapshot()[0]?.consecutiveFailures).toBe(0);
    fail('p1', 4);
    expect(breakers.state('p1')).toBe('closed');
    fail('p1', 1);
    expect(breakers.state('p1')).toBe('open');
  });

  it('takes thresholds from config and rejects config that could never work', () => {
    const { breakers, fail, clock } = setup({ failureThreshold: 2, openMs: 1_000, halfOpenProbes: 2 });
    expect(breakers.config).toEqual({ failureThreshold: 2, openMs: 1_000, halfOpenProbes: 2 });
    expect(new CircuitBreakers(clock, { openMs: undefined }).config).toEqual(defaultBreakerConfig);
    fail('p1', 1);
    expect(breakers.state('p1')).toBe('closed');
    fail('p1', 1);
    expect(breakers.state('p1')).toBe('open');
    clock.advance(999);
    expect(breakers.state('p1')).toBe('open');
    clock.advance(1);
    expect(breakers.tryAcquire('p1')?.probe).toBe(true);
    expect(breakers.tryAcquire('p1')?.probe).toBe(true);
    expect(breakers.tryAcquire('p1')).toBeUndefined();
    for (const bad of [{ failureThreshold: 0 }, { halfOpenProbes: 1.5 }, { openMs: -1 }]) {
      expect(() => new CircuitBreakers(clock, bad)).toThrow(RangeError);
    }
  });

  it('reports every transition in order with its time', () => {
    const { fail, clock, acquire, transitions } = setup();
    fail('p1', 5);
    clock.advance(60_000);
    acquire('p1').failure();
    clock.advance(60_000);
    acquire('p1').success();
    expect(transitions.map(({ from, to, at }) => [from, to, at - start])).toEqual([
      ['closed', 'open', 0],
      ['open', 'half-open', 60_000],
      ['half-open', 'open', 60_000],
      ['open', 'half-open', 120_000],
      ['half-open', 'closed', 120_000],
    ]);
  });

  it('snapshots each provider, sorted, with cool-downs applied', () => {
    const { breakers, fail, clock, acquire } = setup();
    fail('b', 2);
    fail('c', 5);
    clock.advance(30_000);
    fail('a', 5);
    clock.advance(30_000);
    acquire('c');
    expect(breakers.snapshot()).toEqual([
      {
        providerId: 'a',
        state: 'open',
        consecutiveFailures: 5,
        openedAt: start + 30_000,
        halfOpenInFlight: 0,
      },
      { providerId: 'b', state: 'closed', consecutiveFailures: 2, halfOpenInFlight: 0 },
      { providerId: 'c', state: 'half-open', consecutiveFailures: 5, openedAt: start, halfOpenInFlight: 1 },
    ]);
  });

  it('counts a permit once however often it is settled', () => {
    const { breakers, acquire, fail } = setup();
    const permit = acquire('p1');
    permit.failure();
    permit.failure();
    permit.success();
    expect(breakers.snapshot()[0]?.consecutiveFailures).toBe(1);
    fail('p1', 3);
    expect(breakers.state('p1')).toBe('closed');
  });

  it('drops results of permits issued before the breaker last moved', () => {
    const { breakers, fail, clock, acquire, transitions } = setup();
    const slowFailure = acquire('p1');
    const slowSuccess = acquire('p1');
    fail('p1', 5);
    clock.advance(10_000);
    slowFailure.failure();
    slowSuccess.success();
    expect(breakers.snapshot()).toEqual([
      { providerId: 'p1', state: 'open', consecutiveFailures: 5, openedAt: start, halfOpenInFlight: 0 },
    ]);
    expect(transitions).toHaveLength(1);
  });
});

const legal = new Set(['closed>open', 'open>half-open', 'half-open>closed', 'half-open>open']);

type Step =
  | { kind: 'acquire'; provider: number }
  | { kind: 'settle' | 'resettle'; pick: number; ok: boolean }
  | { kind: 'advance'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('acquire' as const), provider: fc.integer({ min: 0, max: 1 }) }),
  fc.record({ kind: fc.constant('settle' as const), pick: fc.nat({ max: 5 }), ok: fc.boolean() }),
  fc.record({ kind: fc.constant('resettle' as const), pick: fc.nat(), ok: fc.boolean() }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 1_200 }) }),
);

const breakerConfig = fc.record({
  failureThreshold: fc.integer({ min: 1, max: 4 }),
  openMs: fc.integer({ min: 0, max: 1_000 }),
  halfOpenProbes: fc.integer({ min: 1, max: 3 }),
});

interface Seen {
  state: BreakerState;
  openedAt: number;
  probes: Set<BreakerPermit>;
}

/** Plays the steps, checking each admission against what `onTransition` has reported so far. */
function play(config: BreakerConfig, steps: Step[]): void {
  const clock = new ManualClock(start);
  const seen = new Map<string, Seen>();
  const view = (id: string): Seen => seen.get(id) ?? { state: 'closed', openedAt: 0, probes: new Set() };
  const breakers = new CircuitBreakers(clock, config, ({ providerId, from, to, at }) => {
    expect(legal.has(`${from}>${to}`)).toBe(true);
    expect(from).toBe(view(providerId).state);
    expect(at).toBe(clock.now());
    const openedAt = to === 'open' ? at : view(providerId).openedAt;
    if (to === 'half-open') expect(at).toBeGreaterThanOrEqual(openedAt + config.openMs);
    seen.set(providerId, { state: to, openedAt, probes: new Set() });
  });
  const outstanding: BreakerPermit[] = [];
  const settled: BreakerPermit[] = [];
  const settle = (permit: BreakerPermit, ok: boolean) => (ok ? permit.success() : permit.failure());
  for (const s of steps) {
    if (s.kind === 'advance') clock.advance(s.ms);
    if (s.kind === 'settle') {
      // Counted from the newest, so fresh permits settle often and old ones now and then.
      const [permit] = outstanding.splice(-1 - (s.pick % Math.max(1, outstanding.length)), 1);
      if (permit) {
        settle(permit, s.ok);
        settled.push(permit);
        view(permit.providerId).probes.delete(permit);
      }
    }
    if (s.kind === 'resettle') {
      const permit = settled[s.pick % Math.max(1, settled.length)];
      const before = breakers.snapshot();
      if (permit) settle(permit, s.ok);
      expect(breakers.snapshot()).toEqual(before);
    }
    if (s.kind === 'acquire') {
      const id = `p${s.provider}`;
      const before = view(id);
      const coolingDown = before.state === 'open' && clock.now() < before.openedAt + config.openMs;
      const permit = breakers.tryAcquire(id);
      if (coolingDown) expect(permit).toBeUndefined();
      else if (before.state === 'open') expect(permit?.probe).toBe(true);
      if (permit) {
        outstanding.push(permit);
        const after = view(id);
        expect(permit.probe).toBe(after.state === 'half-open');
        if (permit.probe) after.probes.add(permit);
        expect(after.probes.size).toBeLessThanOrEqual(config.halfOpenProbes);
      }
    }
    for (const { providerId, state, halfOpenInFlight } of breakers.snapshot()) {
      expect(state).toBe(view(providerId).state);
      expect(halfOpenInFlight).toBe(view(providerId).probes.size);
    }
  }
}

describe('CircuitBreakers property', () => {
  it('never over-admits probes, never admits while cooling down, and only makes legal transitions', () => {
    const steps = fc.array(step, { minLength: 20, maxLength: 150, size: 'max' });
    fc.assert(fc.property(breakerConfig, steps, play), { numRuns: 200 });
  });
});
