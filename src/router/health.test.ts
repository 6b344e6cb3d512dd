import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../shared/index.ts';
import { HealthTracker, statusOf } from './health.ts';

const minute = 60_000;

describe('provider status', () => {
  it.each([
    [0, 0, 'active'],
    [0.099, 4 * minute, 'active'],
    [0.1, 0, 'degraded'],
    [0.2, 0, 'degraded'],
    [0.21, 0, 'inactive'],
    [0, 5 * minute, 'degraded'],
    [0, 60 * minute, 'degraded'],
    [0, 60 * minute + 1, 'inactive'],
    [0.15, 61 * minute, 'inactive'],
  ] as const)('failure rate %s with a heartbeat %s ms old is %s', (rate, age, status) => {
    expect(statusOf(rate, age)).toBe(status);
  });

  it('is banned whatever the numbers say', () => {
    expect(statusOf(0, 0, true)).toBe('banned');
  });
});

describe('HealthTracker', () => {
  it('counts outcomes, keeps EMAs and derives status from the last 100 outcomes', () => {
    const clock = new ManualClock();
    const health = new HealthTracker(clock);
    health.record('p', { ok: true, latencyMs: 100, ttftMs: 40, tokensPerSecond: 500 });
    health.record('p', { ok: true, latencyMs: 200 });
    expect(health.snapshot('p')).toMatchObject({
      total: 2,
      successes: 2,
      failures: 0,
      latencyMs: 120,
      ttftMs: 40,
      tokensPerSecond: 500,
    });
    for (let i = 0; i < 12; i++) health.record('p', { ok: false });
    expect(health.snapshot('p').recentFailureRate).toBeCloseTo(12 / 14);
    expect(health.status('p', clock.now())).toBe('inactive');
    for (let i = 0; i < 100; i++) health.record('p', { ok: true });
    expect(health.snapshot('p')).toMatchObject({ total: 114, failures: 12, recentFailureRate: 0 });
    expect(health.status('p', clock.now())).toBe('active');
    clock.advance(10 * minute);
    expect(health.status('p', clock.now() - 10 * minute)).toBe('degraded');
  });

  it('moves reputation with the evidence and lets it decay toward 0.5 with a 7-day half-life', () => {
    const clock = new ManualClock();
    const health = new HealthTracker(clock);
    expect(health.snapshot('p').reputation).toBe(0.5);
    for (let i = 0; i < 50; i++) health.record('p', { ok: true });
    const earned = health.snapshot('p').reputation;
    expect(earned).toBeGreaterThan(0.9);
    clock.advance(7 * 24 * 60 * minute);
    expect(health.snapshot('p').reputation).toBeCloseTo(0.5 + (earned - 0.5) / 2, 10);
  });

  it('keeps reputation within [0, 1] under any sequence of outcomes and clock moves', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.nat({ max: 30 * 24 * 60 * minute })), { maxLength: 200 }),
        (steps) => {
          const clock = new ManualClock();
          const health = new HealthTracker(clock);
          for (const [ok, advance] of steps) {
            clock.advance(advance);
            health.record('p', { ok });
            const { reputation, recentFailureRate } = health.snapshot('p');
            expect(reputation).toBeGreaterThanOrEqual(0);
            expect(reputation).toBeLessThanOrEqual(1);
            expect(recentFailureRate).toBeGreaterThanOrEqual(0);
            expect(recentFailureRate).toBeLessThanOrEqual(1);
          }
        },
      ),
    );
  });

  it('rates failures over exactly the last 100 outcomes, however long the history', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 400 }), (outcomes) => {
        const health = new HealthTracker(new ManualClock());
        for (const ok of outcomes) health.record('p', { ok });
        const last = outcomes.slice(-100);
        const expected = last.length === 0 ? 0 : last.filter((ok) => !ok).length / last.length;
        expect(health.snapshot('p').recentFailureRate).toBe(expected);
      }),
    );
  });
});
