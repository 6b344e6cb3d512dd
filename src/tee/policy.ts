import type { CheckList } from './appraisal.ts';
import { bytesEqual, isAllZero, toHex } from './bytes.ts';
import { defaultMaxAgeMs, type VerifyOptions } from './verifier.ts';

/** A field of the evidence that can carry data the gateway chose, and what the gateway expects in it. */
export interface BindingSlot {
  /** The check name, e.g. `report-data` or `nonce`. */
  name: string;
  /** The field's value; undefined when this platform has no such field or the evidence left it out. */
  actual: Uint8Array | undefined;
  expected: Uint8Array | undefined;
}

/** Matches an expected value: equal, or a shorter prefix followed only by zero bytes. */
export function boundValueMatches(actual: Uint8Array, expected: Uint8Array): boolean {
  if (expected.length > actual.length || expected.length === 0) return false;
  return (
    bytesEqual(actual.subarray(0, expected.length), expected) && isAllZero(actual.subarray(expected.length))
  );
}

/**
 * Evidence is bound to the gateway's challenge only if at least one slot was expected and every
 * expected slot matches. With nothing expected the evidence could be a replay, so it fails.
 */
export function appraiseBinding(checks: CheckList, slots: readonly BindingSlot[]): void {
  const expected = slots.filter((slot) => slot.expected !== undefined);
  if (expected.length === 0) {
    checks.fail(
      slots[0]?.name ?? 'report-data',
      'no expected value was supplied, so the evidence is not bound to a challenge',
    );
    return;
  }
  for (const slot of expected) {
    const want = slot.expected as Uint8Array;
    if (slot.actual === undefined) checks.fail(slot.name, `the evidence has no ${slot.name} field`);
    else if (boundValueMatches(slot.actual, want)) checks.pass(slot.name);
    else checks.fail(slot.name, `expected ${toHex(want)}, evidence has ${toHex(slot.actual)}`);
  }
}

const futureSkewMs = 5 * 60 * 1000;

/**
 * Evidence is fresh when its own timestamp, or failing that the time the challenge it answers was
 * issued, lies within `maxAgeMs` before now.
 */
export function appraiseFreshness(
  checks: CheckList,
  evidenceTime: number | undefined,
  options: VerifyOptions,
): void {
  const now = options.clock.now();
  const maxAge = options.maxAgeMs ?? defaultMaxAgeMs;
  const time = evidenceTime ?? options.expected?.issuedAt;
  const source = evidenceTime !== undefined ? 'evidence timestamp' : 'challenge issued';
  if (time === undefined) {
    checks.fail(
      'freshness',
      'the evidence has no timestamp and no challenge time (expected.issuedAt) was given',
    );
    return;
  }
  checks.expiresNoLaterThan(time + maxAge);
  if (time > now + futureSkewMs)
    checks.fail('freshness', `${source} ${new Date(time).toISOString()} is in the future`);
  else if (now - time > maxAge)
    checks.fail(
      'freshness',
      `${source} ${new Date(time).toISOString()} is older than ${Math.round(maxAge / 1000)} s at ${new Date(now).toISOString()}`,
    );
  else checks.pass('freshness', `${source} ${new Date(time).toISOString()}`);
}

export function appraiseDebug(checks: CheckList, debug: boolean, what: string, options: VerifyOptions): void {
  if (!debug) checks.pass('debug-policy');
  else if (options.allowDebug) checks.pass('debug-policy', `${what} (allowed by policy)`);
  else checks.fail('debug-policy', `${what}; the host can read its memory`);
}

function claimAt(claims: object, path: string): unknown {
  let value: unknown = claims;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

export type ReferenceValues = Readonly<Record<string, string | readonly string[]>>;

/** Where `claims` differ from reference values (claim path → allowed hex values); empty when they match. */
export function referenceMismatches(claims: object, reference: ReferenceValues): string[] {
  const mismatches: string[] = [];
  for (const [path, allowed] of Object.entries(reference)) {
    const values = (typeof allowed === 'string' ? [allowed] : allowed).map((value) => value.toLowerCase());
    const actual = claimAt(claims, path);
    if (typeof actual !== 'string') mismatches.push(`${path} is not a claim of this evidence`);
    else if (!values.includes(actual.toLowerCase())) mismatches.push(`${path} = ${actual} is not allowed`);
  }
  return mismatches;
}

/** Compares claims with reference values; nothing to do without them. */
export function appraiseReferenceValues(checks: CheckList, claims: object, options: VerifyOptions): void {
  const reference = options.reference;
  if (!reference || Object.keys(reference).length === 0) return;
  const mismatches = referenceMismatches(claims, reference);
  if (mismatches.length > 0) checks.fail('reference-values', mismatches.join('; '));
  else checks.pass('reference-values', Object.keys(reference).join(', '));
}
