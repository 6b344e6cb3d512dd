import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { IdentityServices } from '../identity/index.ts';
import type { Clock, Rng } from '../shared/index.ts';
import { type Asset, AssetRegistry } from './assets.ts';
import { ChannelService } from './channels.ts';
import type { ChannelServices } from './http.ts';
import { Ledger, type LedgerSigner } from './ledger.ts';
import { type FaucetConfig, Payments } from './payments.ts';

export interface ChannelConfig {
  orm: BetterSQLite3Database;
  clock: Clock;
  signer: LedgerSigner;
  identity: IdentityServices;
  faucet: FaucetConfig;
  rng: Rng;
  channel: { expiryMs: number; challengeMs: number };
  extraAssets?: readonly Asset[];
}

/** Wires the ledger and payments over one database. */
export function createChannelServices(config: ChannelConfig): ChannelServices {
  const { orm, clock, signer, identity } = config;
  const assets = new AssetRegistry(config.extraAssets);
  const ledger = new Ledger({ orm, clock, signer, assets });
  const payments = new Payments({ orm, clock, ledger, registry: identity.registry, faucet: config.faucet });
  const channels = new ChannelService({
    orm,
    clock,
    rng: config.rng,
    ledger,
    registry: identity.registry,
    signer,
    config: config.channel,
  });
  return { ledger, payments, channels, assets, identity };
}
