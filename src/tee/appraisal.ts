import type { Appraisal, Check, TeePlatform } from './schemas.ts';

/**
 * Collects the named checks of one verification. Every check runs, so an appraisal names every
 * reason evidence fails, not just the first.
 */
export class CheckList {
  private readonly list: Check[] = [];
  private expiry: number | undefined;

  add(name: string, ok: boolean, detail?: string): boolean {
    this.list.push(detail === undefined ? { name, ok } : { name, ok, detail });
    return ok;
  }

  pass(name: string, detail?: string): true {
    this.add(name, true, detail);
    return true;
  }

  fail(name: string, detail: string): false {
    this.add(name, false, detail);
    return false;
  }

  /** Runs a check that reports its failure by throwing, e.g. a parser. */
  attempt(name: string, run: () => string | undefined): boolean {
    try {
      return this.pass(name, run());
    } catch (error) {
      return this.fail(name, error instanceof Error ? error.message : String(error));
    }
  }

  /** The appraisal is good only until the earliest of these instants (cert expiry, freshness window). */
  expiresNoLaterThan(instant: number): void {
    if (Number.isFinite(instant)) this.expiry = Math.min(this.expiry ?? instant, instant);
  }

  passed(name: string): boolean {
    const matching = this.list.filter((check) => check.name === name);
    return matching.length > 0 && matching.every((check) => check.ok);
  }

  appraisal<Claims extends object>(platform: TeePlatform, claims: Claims, now: number): Appraisal<Claims> {
    const failed = [...new Set(this.list.filter((check) => !check.ok).map((check) => check.name))];
    return {
      platform,
      valid: this.list.length > 0 && failed.length === 0,
      checks: [...this.list],
      failed,
      claims,
      appraisedAt: new Date(now).toISOString(),
      expiresAt:
        failed.length === 0 && this.expiry !== undefined ? new Date(this.expiry).toISOString() : null,
    };
  }
}
