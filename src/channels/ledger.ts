import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { and, asc, desc, eq, gt, gte, inArray, like, lt, sql } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { type Clock, once, signedBytes } from '../shared/index.ts';
import { mayGoNegative } from './accounts.ts';
import type { AssetRegistry } from './assets.ts';
import { channelError } from './errors.ts';
import { ledgerBalances, ledgerBlocks, ledgerPostings } from './tables.ts';

/** Signs ledger blocks: the gateway's key. */
export interface LedgerSigner {
  publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

export interface Posting {
  account: string;
  asset: string;
  amount: bigint;
}

export interface BlockView {
  height: number;
  prevHash: string;
  hash: string;
  kind: string;
  memo: Record<string, unknown>;
  createdAt: number;
  postings: Array<{ account: string; asset: string; amount: string }>;
  signature: string;
}

export const blockTag = 'parley/ledger-block/v1';
export const genesisHash = '0'.repeat(64);

/** Kinds of ledger transaction in which an identity spends (counted by `max_daily_spend`). */
export const spendingKinds = ['transfer', 'channel.open', 'channel.topup'] as const;

/** The bytes a block's hash and signature cover: everything in it but the hash and signature. */
export function blockBytes(block: Omit<BlockView, 'hash' | 'signature'>): Uint8Array {
  const { height, prevHash, kind, memo, createdAt, postings } = block;
  return signedBytes(blockTag, { v: 1, height, prevHash, kind, memo, createdAt, postings });
}

export interface LedgerDeps {
  orm: BetterSQLite3Database;
  clock: Clock;
  signer: LedgerSigner;
  assets: AssetRegistry;
}

/**
 * Parley's double-entry, append-only ledger. Each transaction is one synchronous SQLite transaction
 * writing a signed block that chains to the previous one, its balanced postings and the cached
 * balances; no account but issuance may go below zero.
 */
export class Ledger {
  private readonly balanceOf;
  private readonly tipHeight;
  private posted = 0;
  private readonly balancesIn;
  private readonly accountBalances;

  constructor(private readonly deps: LedgerDeps) {
    this.tipHeight = once(() =>
      deps.orm
        .select({ height: ledgerBlocks.height })
        .from(ledgerBlocks)
        .orderBy(desc(ledgerBlocks.height))
        .limit(1)
        .prepare(),
    );
    this.balancesIn = once(() =>
      deps.orm
        .select({
          // The name past the prefix, cut by SQLite: a string of its own, which a Map hashes faster than a slice.
          rest: sql<string>`substr(${ledgerBalances.account}, length(${sql.placeholder('from')}) + 1)`,
          amount: ledgerBalances.amount,
        })
        .from(ledgerBalances)
        .where(
          and(
            gte(ledgerBalances.account, sql.placeholder('from')),
            lt(ledgerBalances.account, sql.placeholder('to')),
            eq(ledgerBalances.asset, sql.placeholder('asset')),
          ),
        )
        .prepare(),
    );
    this.accountBalances = once(() =>
      deps.orm
        .select({ asset: ledgerBalances.asset, amount: ledgerBalances.amount })
        .from(ledgerBalances)
        .where(eq(ledgerBalances.account, sql.placeholder('account')))
        .orderBy(asc(ledgerBalances.asset))
        .prepare(),
    );
    this.balanceOf = once(() =>
      deps.orm
        .select({ amount: ledgerBalances.amount })
        .from(ledgerBalances)
        .where(
          and(
            eq(ledgerBalances.account, sql.placeholder('account')),
            eq(ledgerBalances.asset, sql.placeholder('asset')),
          ),
        )
        .prepare(),
    );
  }

  /**
   * How many blocks this process has posted: a cache of balances read since then is stale. (Blocks
   * from other processes sharing the database show in `height()` instead.)
   */
  get postedHere(): number {
    return this.posted;
  }

  post(kind: string, postings: Posting[], memo: Record<string, unknown> = {}): BlockView {
    const totals = new Map<string, bigint>();
    const deltas = new Map<string, Posting>();
    for (const posting of postings) {
      if (!this.deps.assets.find(posting.asset))
        throw channelError('ASSET_UNKNOWN', { asset: posting.asset });
      totals.set(posting.asset, (totals.get(posting.asset) ?? 0n) + posting.amount);
      const key = `${posting.account}\u0000${posting.asset}`;
      const delta = deltas.get(key);
      deltas.set(key, { ...posting, amount: (delta?.amount ?? 0n) + posting.amount });
    }
    for (const [asset, total] of totals) {
      if (total !== 0n) throw channelError('LEDGER_UNBALANCED', { asset, total: total.toString() });
    }
    // Counted before the write, so that a cache filled from it is never taken for fresh: transactions
    // are synchronous, so no reader runs between this and the commit (or the rollback).
    this.posted++;
    return this.deps.orm.transaction(
      (tx) => {
        const tip = tx.select().from(ledgerBlocks).orderBy(desc(ledgerBlocks.height)).limit(1).get();
        const unsigned = {
          height: (tip?.height ?? 0) + 1,
          prevHash: tip?.hash ?? genesisHash,
          kind,
          memo,
          createdAt: this.deps.clock.now(),
          postings: postings.map((p) => ({
            account: p.account,
            asset: p.asset,
            amount: p.amount.toString(),
          })),
        };
        for (const delta of deltas.values()) {
          const balance = this.balance(delta.account, delta.asset) + delta.amount;
          if (balance < 0n && !mayGoNegative(delta.account)) {
            throw channelError('INSUFFICIENT_FUNDS', {
              account: delta.account,
              asset: delta.asset,
              balance: (balance - delta.amount).toString(),
              needed: (-delta.amount).toString(),
            });
          }
          tx.insert(ledgerBalances)
            .values({ account: delta.account, asset: delta.asset, amount: balance.toString() })
            .onConflictDoUpdate({
              target: [ledgerBalances.account, ledgerBalances.asset],
              set: { amount: balance.toString() },
            })
            .run();
        }
        const bytes = blockBytes(unsigned);
        const block: BlockView = {
          ...unsigned,
          hash: bytesToHex(sha256(bytes)),
          signature: bytesToHex(this.deps.signer.sign(bytes)),
        };
        tx.insert(ledgerBlocks)
          .values({ ...block, createdAt: new Date(block.createdAt) })
          .run();
        tx.insert(ledgerPostings)
          .values(block.postings.map((p, position) => ({ height: block.height, position, ...p })))
          .run();
        return block;
      },
      { behavior: 'immediate' },
    );
  }

  balance(account: string, asset: string): bigint {
    const row = this.balanceOf().get({ account, asset });
    return row ? BigInt(row.amount) : 0n;
  }

  balances(account: string): Array<{ asset: string; amount: bigint }> {
    return this.accountBalances()
      .all({ account })
      .map((row) => ({ asset: row.asset, amount: BigInt(row.amount) }));
  }

  block(height: number): BlockView {
    const row = this.deps.orm.select().from(ledgerBlocks).where(eq(ledgerBlocks.height, height)).get();
    if (!row) throw channelError('BLOCK_NOT_FOUND', { height });
    const postings = this.deps.orm
      .select()
      .from(ledgerPostings)
      .where(eq(ledgerPostings.height, height))
      .orderBy(asc(ledgerPostings.position))
      .all();
    return {
      ...row,
      createdAt: row.createdAt.getTime(),
      postings: postings.map(({ account, asset, amount }) => ({ account, asset, amount })),
    };
  }

  /** The height of the last block (0 before the first): every balance change raises it. */
  height(): number {
    return this.tipHeight().get()?.height ?? 0;
  }

  /** The nonzero balances in `asset` of every account whose name starts with `prefix`, by the rest of the name. */
  balancesWithPrefix(prefix: string, asset: string): Map<string, bigint> {
    if (prefix === '') throw new RangeError('a prefix names at least one character');
    // Accounts from `prefix` up to the prefix with its last character raised: exactly those starting with it.
    const to = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    const found = new Map<string, bigint>();
    for (const row of this.balancesIn().all({ from: prefix, to, asset })) {
      const amount = BigInt(row.amount);
      if (amount !== 0n) found.set(row.rest, amount);
    }
    return found;
  }

  /** What `did` spent of `asset` since `sinceMs` (transfers and channel deposits), for daily limits. */
  spentSince(did: string, asset: string, sinceMs: number): bigint {
    const rows = this.deps.orm
      .select({ amount: ledgerPostings.amount })
      .from(ledgerPostings)
      .innerJoin(ledgerBlocks, eq(ledgerBlocks.height, ledgerPostings.height))
      .where(
        and(
          eq(ledgerPostings.account, did),
          eq(ledgerPostings.asset, asset),
          gt(ledgerBlocks.createdAt, new Date(sinceMs)),
          inArray(ledgerBlocks.kind, [...spendingKinds]),
          like(ledgerPostings.amount, '-%'),
        ),
      )
      .all();
    return rows.reduce((sum, row) => sum - BigInt(row.amount), 0n);
  }

  /** The publicly checkable key of the signer, for `ledger verify`. */
  get publicKeyHex(): string {
    return bytesToHex(this.deps.signer.publicKey);
  }
}
