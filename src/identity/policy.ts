import type { Policy } from './schemas.ts';

type ListRule =
  | 'allowed_operations'
  | 'allowed_models'
  | 'allowed_providers'
  | 'allowed_payment_protocols'
  | 'allowed_assets';
type AmountRule = 'max_transaction_value' | 'max_daily_spend';

export const listRules: readonly ListRule[] = [
  'allowed_operations',
  'allowed_models',
  'allowed_providers',
  'allowed_payment_protocols',
  'allowed_assets',
];
export const amountRules: readonly AmountRule[] = ['max_transaction_value', 'max_daily_spend'];

/** The narrower of two policies, rule by rule: the effective scope along a delegation chain. */
export function intersectPolicies(a: Policy, b: Policy): Policy {
  const result: Policy = {};
  for (const rule of amountRules) {
    const x = a[rule];
    const y = b[rule];
    const value = x === undefined ? y : y === undefined ? x : BigInt(x) <= BigInt(y) ? x : y;
    if (value !== undefined) result[rule] = value;
  }
  for (const rule of listRules) {
    const x = a[rule];
    const y = b[rule];
    const value = x === undefined ? y : y === undefined ? x : x.filter((item) => y.includes(item));
    if (value !== undefined) result[rule] = value;
  }
  return result;
}

/** The rules on which `child` grants more than `parent`; empty when it is an attenuation. */
export function widenings(
  child: Policy,
  parent: Policy,
): Array<{ rule: string; parent: unknown; child: unknown }> {
  const found: Array<{ rule: string; parent: unknown; child: unknown }> = [];
  for (const rule of amountRules) {
    const limit = parent[rule];
    const asked = child[rule];
    if (limit !== undefined && (asked === undefined || BigInt(asked) > BigInt(limit))) {
      found.push({ rule, parent: limit, child: asked ?? 'unlimited' });
    }
  }
  for (const rule of listRules) {
    const limit = parent[rule];
    const asked = child[rule];
    if (limit !== undefined && (asked === undefined || asked.some((item) => !limit.includes(item)))) {
      found.push({ rule, parent: limit, child: asked ?? 'any' });
    }
  }
  return found;
}
