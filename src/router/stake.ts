import { and, asc, eq, isNull, lte } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { type Ledger, systemAccounts } from '../channels/index.ts';
import type { Clock } from '../shared/index.ts';
import { routerError } from './errors.ts';
import { providers, slashes, unbondings } from './tables.ts';

export const stakeAsset = 'TNZO' as const;
export const unbondingMs = 7 * 24 * 60 * 60 * 1000;

/** Share of the stake each offence costs, in parts per million (the defaults). */
export const slashingPolicy = {
  invalid_tee: 100_000n,
  downtime_over_24h: 10_000n,
  fraud: 250_000n,
  model_hash_mismatch: 50_000n,
  rate_limit_violation: 1_000n,
} as const;
export type SlashReason = keyof typeof slashingPolicy;

export const stakeAccount = (providerId: string) => `stake:${providerId}`;
export const unbondingAccount = (providerId: string) => `unbonding:${providerId}`;

/** How long routing may reuse a read of every stake when this process posted nothing since. */
const stakeCacheMs = 1000;

export interface StakeDeps {
  orm: BetterSQLite3Database;
  clock: Clock;
  ledger: Ledger;
}

/**
 * Provider stake, held in the ledger: bonding locks TNZO from the provider's identity, unbonding
 * releases it after 7 days, and slashing moves a policy share of what is bonded (never more) to the
 * treasury, recording the evidence.
 */
export class StakeService {
  /** Provider id → bonded stake, read at `at` after `posted` local blocks: routing reads them all per request. */
  private cache: { at: number; posted: number; bonded: Map<string, bigint> } | undefined;

  constructor(private readonly deps: StakeDeps) {}

  bonded(providerId: string): bigint {
    return this.deps.ledger.balance(stakeAccount(providerId), stakeAsset);
  }

  /**
   * Every provider's bonded stake at once, for routing (which reads them all on each request): read
   * again after any block this process posts (bond, unbond, slash) and at least once a second, which
   * bounds how late another gateway process's blocks on the same database are seen.
   */
  bondedNow(): (providerId: string) => bigint {
    const { ledger, clock } = this.deps;
    const now = clock.now();
    const posted = ledger.postedHere;
    if (!this.cache || this.cache.posted !== posted || now - this.cache.at >= stakeCacheMs)
      this.cache = { at: now, posted, bonded: ledger.balancesWithPrefix(stakeAccount(''), stakeAsset) };
    const { bonded } = this.cache;
    return (providerId) => bonded.get(providerId) ?? 0n;
  }

  bond(providerId: string, did: string, amount: bigint) {
    const provider = this.owned(providerId, did);
    return this.deps.ledger.post(
      'stake.bond',
      [
        { account: provider.did, asset: stakeAsset, amount: -amount },
        { account: stakeAccount(providerId), asset: stakeAsset, amount },
      ],
      { providerId },
    );
  }

  unbond(providerId: string, did: string, amount: bigint): { releaseAt: number } {
    this.owned(providerId, did);
    const releaseAt = this.deps.clock.now() + unbondingMs;
    this.deps.orm.transaction((tx) => {
      this.deps.ledger.post(
        'stake.unbond',
        [
          { account: stakeAccount(providerId), asset: stakeAsset, amount: -amount },
          { account: unbondingAccount(providerId), asset: stakeAsset, amount },
        ],
        { providerId, releaseAt },
      );
      tx.insert(unbondings)
        .values({ providerId, amount: amount.toString(), releaseAt: new Date(releaseAt) })
        .run();
    });
    return { releaseAt };
  }

  /** Pays out unbondings whose 7 days have passed; returns how many. */
  releaseDue(): number {
    const { orm, clock, ledger } = this.deps;
    const now = new Date(clock.now());
    const due = orm
      .select()
      .from(unbondings)
      .where(and(isNull(unbondings.releasedAt), lte(unbondings.releaseAt, now)))
      .orderBy(asc(unbondings.id))
      .all();
    for (const entry of due) {
      const provider = orm.select().from(providers).where(eq(providers.id, entry.providerId)).get();
      if (!provider) continue;
      orm.transaction((tx) => {
        const claimed = tx
          .update(unbondings)
          .set({ releasedAt: now })
          .where(and(eq(unbondings.id, entry.id), isNull(unbondings.releasedAt)))
          .run();
        if (claimed.changes !== 1) return;
        ledger.post(
          'stake.release',
          [
            { account: unbondingAccount(entry.providerId), asset: stakeAsset, amount: -BigInt(entry.amount) },
            { account: provider.did, asset: stakeAsset, amount: BigInt(entry.amount) },
          ],
          { providerId: entry.providerId },
        );
      });
    }
    return due.length;
  }

  /** Slashes the policy share of the bonded stake (rounded down, never more than is bonded). */
  slash(providerId: string, reason: SlashReason, evidence: Record<string, unknown>) {
    const { orm, clock, ledger } = this.deps;
    if (!orm.select({ id: providers.id }).from(providers).where(eq(providers.id, providerId)).get()) {
      throw routerError('PROVIDER_NOT_FOUND', { id: providerId });
    }
    return orm.transaction((tx) => {
      const bonded = this.bonded(providerId);
      const amount = (bonded * slashingPolicy[reason]) / 1_000_000n;
      const block =
        amount > 0n
          ? ledger.post(
              'stake.slash',
              [
                { account: stakeAccount(providerId), asset: stakeAsset, amount: -amount },
                { account: systemAccounts.treasury, asset: stakeAsset, amount },
              ],
              { providerId, reason },
            )
          : undefined;
      const at = clock.now();
      tx.insert(slashes)
        .values({
          providerId,
          reason,
          amount: amount.toString(),
          evidence,
          height: block?.height ?? 0,
          at: new Date(at),
        })
        .run();
      return {
        providerId,
        reason,
        amount: amount.toString(),
        bondedBefore: bonded.toString(),
        height: block?.height ?? null,
        evidence,
        at: new Date(at).toISOString(),
      };
    });
  }

  slashHistory(providerId: string) {
    return this.deps.orm
      .select()
      .from(slashes)
      .where(eq(slashes.providerId, providerId))
      .orderBy(asc(slashes.id))
      .all()
      .map((row) => ({ ...row, at: row.at.toISOString() }));
  }

  private owned(providerId: string, did: string) {
    const provider = this.deps.orm.select().from(providers).where(eq(providers.id, providerId)).get();
    if (!provider) throw routerError('PROVIDER_NOT_FOUND', { id: providerId });
    if (provider.did !== did) throw routerError('NOT_PROVIDER_OWNER', { id: providerId });
    return provider;
  }
}
