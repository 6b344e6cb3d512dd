import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { eq } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { type Clock, type Rng, randomId } from '../shared/index.ts';
import { didKeyFromPublicKey } from './did-key.ts';
import { identityError } from './errors.ts';
import type { IdentityRegistry } from './registry.ts';
import { wallets } from './tables.ts';
import {
  createThresholdWallet,
  decodeShare,
  encodeShare,
  openShare,
  parseWalletPublic,
  type ShareHolder,
  sealShare,
  serializeWalletPublic,
  signWithShares,
  type WalletShare,
} from './threshold-wallet.ts';

export interface WalletDeps {
  orm: BetterSQLite3Database;
  clock: Clock;
  rng: Rng;
  registry: IdentityRegistry;
  /** 32-byte key that seals the gateway and recovery shares at rest. */
  sealingKey: Uint8Array;
}

export interface WalletView {
  id: string;
  did: string;
  publicKey: string;
  didKey: string;
  createdAt: string;
}

const view = (row: typeof wallets.$inferSelect): WalletView => ({
  id: row.id,
  did: row.identityDid,
  publicKey: row.publicKey,
  didKey: didKeyFromPublicKey(hexToBytes(row.publicKey)),
  createdAt: row.createdAt.toISOString(),
});

/**
 * 2-of-3 threshold wallets for machine identities. The agent's share is handed out once and never
 * stored; the gateway's and the recovery share are kept sealed. Any two shares sign.
 */
export class WalletService {
  constructor(private readonly deps: WalletDeps) {}

  create(did: string): WalletView & { agentShare: string } {
    const { orm, clock, rng, registry, sealingKey } = this.deps;
    registry.requireActive(did);
    const identity = registry.find(did);
    if (identity?.kind === 'human') {
      throw identityError('NOT_PERMITTED', { did }, 'Threshold wallets are for machine identities.');
    }
    const wallet = createThresholdWallet(rng);
    const row = {
      id: `wal_${randomId(rng, 12)}`,
      identityDid: did,
      publicKey: bytesToHex(wallet.publicKey),
      publicPackage: serializeWalletPublic(wallet),
      gatewayShare: sealShare(wallet.shares.gateway, sealingKey, rng),
      recoveryShare: sealShare(wallet.shares.recovery, sealingKey, rng),
      createdAt: new Date(clock.now()),
    };
    orm.insert(wallets).values(row).run();
    return { ...view(row), agentShare: encodeShare(wallet.shares.agent) };
  }

  get(id: string): WalletView {
    return view(this.row(id));
  }

  /** Signs with the two named shares; the agent's must be supplied, the others are unsealed here. */
  sign(
    id: string,
    message: Uint8Array,
    holders: readonly [ShareHolder, ShareHolder],
    agentShare?: string,
  ): Uint8Array {
    const row = this.row(id);
    const share = (holder: ShareHolder): WalletShare => {
      if (holder === 'gateway') return openShare(row.gatewayShare, this.deps.sealingKey);
      if (holder === 'recovery') return openShare(row.recoveryShare, this.deps.sealingKey);
      if (!agentShare)
        throw identityError(
          'WALLET_SHARES_INVALID',
          { missing: 'agentShare' },
          "Send the agent's share to sign with it.",
        );
      const decoded = decodeShare(agentShare);
      if (decoded.holder !== 'agent')
        throw identityError(
          'WALLET_SHARES_INVALID',
          { given: decoded.holder },
          'agentShare is not an agent share.',
        );
      return decoded;
    };
    const wallet = parseWalletPublic(row.publicPackage);
    return signWithShares(wallet, message, [share(holders[0]), share(holders[1])], this.deps.rng);
  }

  private row(id: string) {
    const row = this.deps.orm.select().from(wallets).where(eq(wallets.id, id)).get();
    if (!row) throw identityError('WALLET_NOT_FOUND', { id });
    return row;
  }
}
