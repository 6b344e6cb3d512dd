import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { Clock, Rng } from '../shared/index.ts';
import { ApiKeyService } from './api-keys.ts';
import { Authenticator } from './authenticate.ts';
import { DelegationService } from './delegations.ts';
import type { IdentityServices } from './http.ts';
import { IdentityRegistry } from './registry.ts';
import type { SpendHistory } from './scope.ts';
import { WalletService } from './wallets.ts';

export interface IdentityConfig {
  orm: BetterSQLite3Database;
  clock: Clock;
  rng: Rng;
  adminToken: string;
  walletSealingKey: Uint8Array;
  spend?: SpendHistory;
}

/** Wires the identity area's services over one database. */
export function createIdentityServices(config: IdentityConfig): IdentityServices {
  const { orm, clock, rng } = config;
  const registry = new IdentityRegistry({ orm, clock, rng });
  const delegations = new DelegationService({ orm, clock, registry });
  const apiKeys = new ApiKeyService({ orm, clock, rng, registry, delegations });
  const wallets = new WalletService({ orm, clock, rng, registry, sealingKey: config.walletSealingKey });
  const authenticator = new Authenticator({
    orm,
    clock,
    registry,
    delegations,
    apiKeys,
    adminToken: config.adminToken,
  });
  return {
    registry,
    delegations,
    apiKeys,
    wallets,
    authenticator,
    ...(config.spend ? { spend: config.spend } : {}),
    now: () => clock.now(),
  };
}
