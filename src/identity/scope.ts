import { identityError } from './errors.ts';
import type { Policy } from './schemas.ts';

/** What a request wants to do, in the terms delegation policies speak. */
export interface ScopedRequest {
  operation: string;
  model?: string;
  provider?: string;
  paymentProtocol?: string;
  asset?: string;
  /** Atomic units this request may spend. */
  amount?: bigint;
  /**
   * The amount comes out of money already locked in escrow (a channel voucher): it is checked against
   * `max_transaction_value`, but counted toward `max_daily_spend` when it was locked, not again now.
   */
  escrowed?: boolean;
}

/**
 * Spending already done by an identity, from Parley's ledger. Declared here so identity knows nothing
 * of money; the channels area implements it over its journal.
 */
export interface SpendHistory {
  spentSince(did: string, asset: string, sinceMs: number): bigint;
}

export const dailyWindowMs = 24 * 60 * 60 * 1000;

/** The effective scope of a caller: a policy (empty = unrestricted) plus where it came from. */
export interface Scope {
  did: string;
  policy: Policy;
  delegationId?: string;
}

/**
 * Throws SCOPE_EXCEEDED naming the rule and its limit when `request` falls outside `scope`.
 * `max_daily_spend` is a rolling 24 hours per asset, read from the ledger through `spend`.
 */
export function enforceScope(scope: Scope, request: ScopedRequest, now: number, spend?: SpendHistory): void {
  const { policy } = scope;
  const deny = (rule: string, limit: unknown, requested: unknown) => {
    throw identityError(
      'SCOPE_EXCEEDED',
      { rule, limit, requested, ...(scope.delegationId ? { delegationId: scope.delegationId } : {}) },
      `Denied by ${rule}: the delegated limit is ${JSON.stringify(limit)}, the request asks for ${JSON.stringify(requested)}.`,
    );
  };
  const checks: Array<[keyof Policy, string | undefined]> = [
    ['allowed_operations', request.operation],
    ['allowed_models', request.model],
    ['allowed_providers', request.provider],
    ['allowed_payment_protocols', request.paymentProtocol],
    ['allowed_assets', request.asset],
  ];
  for (const [rule, value] of checks) {
    const allowed = policy[rule] as string[] | undefined;
    if (allowed !== undefined && value !== undefined && !allowed.includes(value)) deny(rule, allowed, value);
  }
  if (request.amount === undefined) return;
  if (policy.max_transaction_value !== undefined && request.amount > BigInt(policy.max_transaction_value)) {
    deny('max_transaction_value', policy.max_transaction_value, request.amount.toString());
  }
  if (policy.max_daily_spend !== undefined && !request.escrowed) {
    // Identity alone moves no money; the ledger plugs in `spend` before any paid request exists.
    if (!spend)
      throw new Error('max_daily_spend needs the ledger: wire a SpendHistory into the identity services');
    const asset = request.asset ?? 'TNZO';
    const spent = spend.spentSince(scope.did, asset, now - dailyWindowMs);
    if (spent + request.amount > BigInt(policy.max_daily_spend)) {
      deny('max_daily_spend', policy.max_daily_spend, (spent + request.amount).toString());
    }
  }
}
