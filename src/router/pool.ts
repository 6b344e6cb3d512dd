import type { BreakerState } from './circuit-breaker.ts';

/** One provider's offer for the requested model, as the registry, health checks and breakers see it now. */
export interface Candidate {
  providerId: string;
  model: string;
  /** Atomic units per output token. */
  pricePerToken: bigint;
  /** Exponential moving average of whole-request latency. */
  latencyMs: number;
  /** Time to first token. */
  ttftMs: number;
  tokensPerSecond: number;
  /** In [0, 1]. */
  reputation: number;
  status: 'active' | 'degraded' | 'inactive' | 'banned';
  breaker: BreakerState;
  /** The attested TEE platform, or null when the provider runs without one. */
  tee: string | null;
  /** Atomic units staked. */
  stake: bigint;
}

/** What the request and the caller's delegation ask of a provider. Absent fields restrict nothing. */
export interface PoolRequirements {
  teeRequired?: boolean;
  /** The model's minimum stake, in atomic units. */
  minimumStake?: bigint;
  /** From the caller's delegation; undefined means any. */
  allowedModels?: readonly string[];
  allowedProviders?: readonly string[];
}

export type PoolExclusionReason =
  | 'status'
  | 'breaker_open'
  | 'tee_required'
  | 'stake_below_minimum'
  | 'model_not_allowed'
  | 'provider_not_allowed';

export interface Exclusion<Reason extends string = PoolExclusionReason> {
  providerId: string;
  reason: Reason;
}

export interface PoolResult {
  pool: Candidate[];
  /** Every dropped candidate with the first rule it failed, in input order (for routing explanations). */
  excluded: Exclusion[];
}

/** A membership test that stays a linear scan for the short lists delegations usually carry. */
function membership(list: readonly string[] | undefined): ((value: string) => boolean) | undefined {
  if (list === undefined) return undefined;
  if (list.length <= 8) return (value) => list.includes(value);
  const set = new Set(list);
  return (value) => set.has(value);
}

/** The first rule a candidate fails, checked in the order the reasons are listed; undefined when it passes. */
export function exclusionCheck(
  requirements: PoolRequirements = {},
): (candidate: Candidate) => PoolExclusionReason | undefined {
  const modelAllowed = membership(requirements.allowedModels);
  const providerAllowed = membership(requirements.allowedProviders);
  const teeRequired = requirements.teeRequired === true;
  const minimumStake = requirements.minimumStake ?? 0n;
  return (candidate) => {
    if (candidate.status !== 'active' && candidate.status !== 'degraded') return 'status';
    if (candidate.breaker === 'open') return 'breaker_open';
    if (teeRequired && candidate.tee === null) return 'tee_required';
    if (candidate.stake < minimumStake) return 'stake_below_minimum';
    if (modelAllowed && !modelAllowed(candidate.model)) return 'model_not_allowed';
    if (providerAllowed && !providerAllowed(candidate.providerId)) return 'provider_not_allowed';
    return undefined;
  };
}

/** Keeps the candidates that may serve this request and says why each of the others may not. */
export function filterPool(
  candidates: readonly Candidate[],
  requirements: PoolRequirements = {},
): PoolResult {
  const reasonFor = exclusionCheck(requirements);
  const pool: Candidate[] = [];
  const excluded: Exclusion[] = [];
  for (const candidate of candidates) {
    const reason = reasonFor(candidate);
    if (reason === undefined) pool.push(candidate);
    else excluded.push({ providerId: candidate.providerId, reason });
  }
  return { pool, excluded };
}
