import type { Clock } from '../shared/index.ts';

export type ProviderStatus = 'active' | 'degraded' | 'inactive' | 'banned';

export interface Outcome {
  ok: boolean;
  latencyMs?: number;
  ttftMs?: number;
  tokensPerSecond?: number;
}

export interface HealthSnapshot {
  total: number;
  successes: number;
  failures: number;
  /** Failures among the last `window` outcomes, in [0, 1]. */
  recentFailureRate: number;
  latencyMs: number | null;
  ttftMs: number | null;
  tokensPerSecond: number | null;
  lastCheckAt: number | null;
  reputation: number;
}

const window = 100;
const emaWeight = 0.2;
const reputationStep = 0.05;
const reputationHalfLifeMs = 7 * 24 * 60 * 60 * 1000;
const minute = 60_000;

/** A provider's live figures: a snapshot's fields kept up to date, plus what keeps them so. */
interface Entry extends HealthSnapshot {
  recent: boolean[];
  /** How many of `recent` are failures, kept in step with it and with `recentFailureRate`. */
  recentFailures: number;
  reputationAt: number;
}

const ema = (previous: number | null, next: number | undefined) =>
  next === undefined ? previous : previous === null ? next : previous + emaWeight * (next - previous);

const statusLevels = ['active', 'degraded', 'inactive'] as const;

/**
 * The status rules of the issue: Active below 10 % recent failures and a heartbeat under 5 minutes
 * old, Degraded up to 20 % or 60 minutes, Inactive beyond either; Banned overrides. The worse of
 * the two signals wins. A node that announced its shutdown (draining) is Inactive until it beats again.
 */
export function statusOf(
  recentFailureRate: number,
  heartbeatAgeMs: number,
  banned = false,
  draining = false,
): ProviderStatus {
  if (banned) return 'banned';
  if (draining) return 'inactive';
  const byFailures = recentFailureRate < 0.1 ? 0 : recentFailureRate <= 0.2 ? 1 : 2;
  const byHeartbeat = heartbeatAgeMs < 5 * minute ? 0 : heartbeatAgeMs <= 60 * minute ? 1 : 2;
  return statusLevels[Math.max(byFailures, byHeartbeat)] ?? 'inactive';
}

/**
 * Per-provider health from active probes and passive results: counts, the failure rate of the last
 * 100 outcomes, EMA latency, time to first token and throughput, and a reputation in [0, 1] that
 * follows outcomes and decays toward 0.5 with a 7-day half-life when there is no evidence. Kept in
 * memory: after a restart it is re-learned from traffic and probes.
 */
export class HealthTracker {
  private readonly entries = new Map<string, Entry>();
  /** The decay factor last computed and its elapsed time: a routing pass decays every entry by the same. */
  private lastDecay = { elapsed: 0, factor: 1 };

  constructor(private readonly clock: Clock) {}

  record(providerId: string, outcome: Outcome): void {
    const entry = this.entry(providerId);
    this.decay(entry);
    entry.total++;
    if (outcome.ok) entry.successes++;
    else entry.failures++;
    entry.recent.push(outcome.ok);
    if (!outcome.ok) entry.recentFailures++;
    if (entry.recent.length > window && entry.recent.shift() === false) entry.recentFailures--;
    entry.recentFailureRate = entry.recentFailures / entry.recent.length;
    entry.latencyMs = ema(entry.latencyMs, outcome.latencyMs);
    entry.ttftMs = ema(entry.ttftMs, outcome.ttftMs);
    entry.tokensPerSecond = ema(entry.tokensPerSecond, outcome.tokensPerSecond);
    entry.lastCheckAt = this.clock.now();
    entry.reputation += reputationStep * ((outcome.ok ? 1 : 0) - entry.reputation);
  }

  snapshot(providerId: string): HealthSnapshot {
    const entry = this.figures(providerId);
    return {
      total: entry.total,
      successes: entry.successes,
      failures: entry.failures,
      recentFailureRate: entry.recentFailureRate,
      latencyMs: entry.latencyMs,
      ttftMs: entry.ttftMs,
      tokensPerSecond: entry.tokensPerSecond,
      lastCheckAt: entry.lastCheckAt,
      reputation: entry.reputation,
    };
  }

  /**
   * The provider's figures now, without a copy: for the routing step, which reads a few of them for
   * every provider on every request. Read them at once; the object changes with the next outcome.
   */
  figures(providerId: string): Readonly<HealthSnapshot> {
    const entry = this.entry(providerId);
    this.decay(entry);
    return entry;
  }

  status(providerId: string, lastHeartbeatAt: number, banned = false, draining = false): ProviderStatus {
    return this.statusFrom(this.figures(providerId), lastHeartbeatAt, banned, draining);
  }

  /** `status` from figures just read. */
  statusFrom(
    snapshot: Pick<HealthSnapshot, 'recentFailureRate'>,
    lastHeartbeatAt: number,
    banned = false,
    draining = false,
  ): ProviderStatus {
    return statusOf(snapshot.recentFailureRate, this.clock.now() - lastHeartbeatAt, banned, draining);
  }

  private decay(entry: Entry): void {
    const now = this.clock.now();
    const elapsed = now - entry.reputationAt;
    if (elapsed > 0) {
      if (elapsed !== this.lastDecay.elapsed)
        this.lastDecay = { elapsed, factor: 2 ** (-elapsed / reputationHalfLifeMs) };
      entry.reputation = 0.5 + (entry.reputation - 0.5) * this.lastDecay.factor;
    }
    entry.reputationAt = now;
  }

  private entry(providerId: string): Entry {
    let entry = this.entries.get(providerId);
    if (!entry) {
      entry = {
        total: 0,
        successes: 0,
        failures: 0,
        recent: [],
        recentFailures: 0,
        recentFailureRate: 0,
        latencyMs: null,
        ttftMs: null,
        tokensPerSecond: null,
        lastCheckAt: null,
        reputation: 0.5,
        reputationAt: this.clock.now(),
      };
      this.entries.set(providerId, entry);
    }
    return entry;
  }
}
