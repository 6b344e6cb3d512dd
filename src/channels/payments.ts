import { eq } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { IdentityRegistry } from '../identity/index.ts';
import type { Clock } from '../shared/index.ts';
import { systemAccounts } from './accounts.ts';
import { channelError } from './errors.ts';
import type { BlockView, Ledger } from './ledger.ts';
import { faucetClaims } from './tables.ts';

export interface FaucetConfig {
  /** Atomic TNZO granted per claim; 0 turns the faucet off. */
  amount: bigint;
  cooldownMs: number;
}

export interface PaymentDeps {
  orm: BetterSQLite3Database;
  clock: Clock;
  ledger: Ledger;
  registry: IdentityRegistry;
  faucet: FaucetConfig;
}

export const faucetAsset = 'TNZO';

/** Moving money between identities and in and out of the gateway, each move one ledger block. */
export class Payments {
  constructor(private readonly deps: PaymentDeps) {}

  /** Development faucet: a fixed TNZO grant per identity per cooldown. */
  faucet(did: string): BlockView {
    const { orm, clock, ledger, faucet } = this.deps;
    if (faucet.amount === 0n) throw channelError('FAUCET_DISABLED');
    this.deps.registry.requireActive(did);
    const now = clock.now();
    return orm.transaction((tx) => {
      const claim = tx.select().from(faucetClaims).where(eq(faucetClaims.did, did)).get();
      const nextAt = (claim?.lastClaimAt.getTime() ?? Number.NEGATIVE_INFINITY) + faucet.cooldownMs;
      if (now < nextAt) {
        throw channelError('FAUCET_RATE_LIMITED', { retryAfterSeconds: Math.ceil((nextAt - now) / 1000) });
      }
      tx.insert(faucetClaims)
        .values({ did, lastClaimAt: new Date(now) })
        .onConflictDoUpdate({ target: faucetClaims.did, set: { lastClaimAt: new Date(now) } })
        .run();
      return ledger.post(
        'faucet',
        [
          { account: systemAccounts.issuance, asset: faucetAsset, amount: -faucet.amount },
          { account: did, asset: faucetAsset, amount: faucet.amount },
        ],
        { did },
      );
    });
  }

  transfer(from: string, to: string, asset: string, amount: bigint, memo?: string): BlockView {
    const recipient = this.deps.registry.find(to);
    if (!recipient || recipient.status === 'terminated') throw channelError('RECIPIENT_UNKNOWN', { to });
    return this.deps.ledger.post(
      'transfer',
      [
        { account: from, asset, amount: -amount },
        { account: to, asset, amount },
      ],
      { from, to, ...(memo ? { memo } : {}) },
    );
  }

  /** Admin: credit an identity with funds that arrived from outside (issuance). */
  deposit(did: string, asset: string, amount: bigint, reference?: string): BlockView {
    if (!this.deps.registry.find(did)) throw channelError('RECIPIENT_UNKNOWN', { to: did });
    return this.deps.ledger.post(
      'deposit',
      [
        { account: systemAccounts.issuance, asset, amount: -amount },
        { account: did, asset, amount },
      ],
      { did, ...(reference ? { reference } : {}) },
    );
  }

  /** Admin: pay funds out of Parley (back to issuance). */
  withdraw(did: string, asset: string, amount: bigint, reference?: string): BlockView {
    return this.deps.ledger.post(
      'withdrawal',
      [
        { account: did, asset, amount: -amount },
        { account: systemAccounts.issuance, asset, amount },
      ],
      { did, ...(reference ? { reference } : {}) },
    );
  }
}
