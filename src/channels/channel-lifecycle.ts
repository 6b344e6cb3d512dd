import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { and, asc, eq, lte, or } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { IdentityRegistry } from '../identity/index.ts';
import { type Clock, type Rng, randomId, verifyEd25519 } from '../shared/index.ts';
import { escrowAccount, systemAccounts } from './accounts.ts';
import { channelStatements } from './channel-statements.ts';
import { type ChannelView, channelView } from './channel-view.ts';
import { channelError } from './errors.ts';
import type { Ledger, LedgerSigner } from './ledger.ts';
import { commissionOf, type SignedState, stateBytes } from './state.ts';
import { channelStates, paymentChannels } from './tables.ts';

export interface ChannelConfig {
  expiryMs: number;
  challengeMs: number;
}

export interface ChannelDeps {
  orm: BetterSQLite3Database;
  clock: Clock;
  rng: Rng;
  ledger: Ledger;
  registry: IdentityRegistry;
  signer: LedgerSigner;
  config: ChannelConfig;
}

export type ChannelRow = typeof paymentChannels.$inferSelect;
type Row = ChannelRow;
type Tx = Parameters<Parameters<BetterSQLite3Database['transaction']>[0]>[0];

/**
 * A payment channel's life outside the request path: open (deposit into escrow), top-up, reads,
 * cooperative close, unilateral close with a challenge window in which a higher nonce wins, and
 * settlement with the commission split. `ChannelService` adds vouchers, holds and receipts.
 */
export class ChannelLifecycle {
  readonly network: string;
  /** Statements of the per-request path (voucher, receipt), prepared once on first use. */
  protected readonly sql;

  constructor(protected readonly deps: ChannelDeps) {
    this.network = bytesToHex(deps.signer.publicKey);
    this.sql = channelStatements(deps.orm);
  }

  open(payer: string, input: { asset: string; deposit: bigint; payee?: string }): ChannelView {
    const { orm, clock, rng, ledger, registry, config } = this.deps;
    registry.requireActive(payer);
    const payee = input.payee ?? systemAccounts.hub;
    if (payee !== systemAccounts.hub && !registry.find(payee))
      throw channelError('RECIPIENT_UNKNOWN', { to: payee });
    const id = `ch_${randomId(rng, 16)}`;
    const now = clock.now();
    orm.transaction((tx) => {
      tx.insert(paymentChannels)
        .values({
          id,
          payerDid: payer,
          payee,
          asset: input.asset,
          deposit: input.deposit.toString(),
          nonce: 0,
          authorized: '0',
          charged: '0',
          status: 'open',
          openedAt: new Date(now),
          expiresAt: new Date(now + config.expiryMs),
        })
        .run();
      ledger.post(
        'channel.open',
        [
          { account: payer, asset: input.asset, amount: -input.deposit },
          { account: escrowAccount(id), asset: input.asset, amount: input.deposit },
        ],
        { channelId: id },
      );
    });
    return this.get(id);
  }

  get(id: string): ChannelView {
    return channelView(this.network, this.settleIfDue(this.row(id)));
  }

  states(id: string): SignedState[] {
    this.row(id);
    return this.deps.orm
      .select()
      .from(channelStates)
      .where(eq(channelStates.channelId, id))
      .orderBy(asc(channelStates.nonce))
      .all()
      .map((s) => ({
        channelId: id,
        nonce: s.nonce,
        cumulativeAmount: s.cumulative,
        final: s.final,
        keyId: s.keyId,
        signature: s.signature,
      }));
  }

  topUp(id: string, payer: string, amount: bigint): ChannelView {
    const channel = this.usable(id);
    if (channel.payerDid !== payer) throw channelError('NOT_PARTICIPANT', { id });
    this.deps.orm.transaction((tx) => {
      tx.update(paymentChannels)
        .set({ deposit: (BigInt(channel.deposit) + amount).toString() })
        .where(eq(paymentChannels.id, id))
        .run();
      this.deps.ledger.post(
        'channel.topup',
        [
          { account: payer, asset: channel.asset, amount: -amount },
          { account: escrowAccount(id), asset: channel.asset, amount },
        ],
        { channelId: id },
      );
    });
    return this.get(id);
  }

  closeCooperatively(state: SignedState): { channel: ChannelView; gatewaySignature: string } {
    const channel = this.usable(state.channelId);
    if (!state.final)
      throw channelError('VOUCHER_INVALID', { reason: 'a cooperative close needs final: true' });
    this.checkSignature(channel, state);
    if (state.nonce <= channel.nonce)
      throw channelError('VOUCHER_STALE', { nonce: state.nonce, lastNonce: channel.nonce });
    if (BigInt(state.cumulativeAmount) < BigInt(channel.charged)) {
      throw channelError('VOUCHER_BELOW_CHARGED', {
        cumulativeAmount: state.cumulativeAmount,
        charged: channel.charged,
      });
    }
    const { keyId: _keyId, signature: _signature, ...signed } = state;
    // The gateway countersigns the very bytes the payer signed: together they are the final state.
    const gatewaySignature = bytesToHex(this.deps.signer.sign(stateBytes(this.network, signed)));
    this.deps.orm.transaction((tx) => {
      this.recordState(state);
      this.settle(tx, { ...channel, nonce: state.nonce }, BigInt(channel.charged));
    });
    return { channel: this.get(channel.id), gatewaySignature };
  }

  /**
   * Unilateral close by the payer with its latest signed state (or none). The watchtower answers a
   * stale state at once with the highest one the gateway holds; a higher one may still arrive as a
   * dispute until the challenge window ends.
   */
  closeUnilaterally(id: string, payer: string | undefined, state?: SignedState): ChannelView {
    const channel = this.usable(id);
    if (payer !== undefined && channel.payerDid !== payer) throw channelError('NOT_PARTICIPANT', { id });
    if (state) {
      if (state.channelId !== id) throw channelError('VOUCHER_WRONG_CHANNEL', { channelId: state.channelId });
      this.checkSignature(channel, state);
    }
    const highest = this.highestState(id);
    const submitted = state && (!highest || state.nonce > highest.nonce) ? state : highest;
    const now = this.deps.clock.now();
    this.deps.orm.transaction((tx) => {
      if (state) this.recordState(state);
      tx.update(paymentChannels)
        .set({
          status: 'closing',
          closeRequestedAt: new Date(now),
          challengeEndsAt: new Date(now + this.deps.config.challengeMs),
          closingNonce: submitted?.nonce ?? 0,
          closingAmount: submitted?.cumulativeAmount ?? '0',
        })
        .where(eq(paymentChannels.id, id))
        .run();
    });
    return this.get(id);
  }

  /** During the challenge window, a valid state with a higher nonce replaces the closing one. */
  dispute(state: SignedState): ChannelView {
    const channel = this.settleIfDue(this.row(state.channelId));
    if (channel.status !== 'closing')
      throw channelError('CHANNEL_NOT_OPEN', { status: channel.status, reason: 'not in a challenge window' });
    this.checkSignature(channel, state);
    if (state.nonce <= (channel.closingNonce ?? 0)) {
      throw channelError('DISPUTE_NOT_HIGHER', { nonce: state.nonce, closingNonce: channel.closingNonce });
    }
    this.deps.orm.transaction((tx) => {
      this.recordState(state);
      tx.update(paymentChannels)
        .set({ closingNonce: state.nonce, closingAmount: state.cumulativeAmount })
        .where(eq(paymentChannels.id, channel.id))
        .run();
    });
    return this.get(channel.id);
  }

  /** Settles channels whose challenge window ended and closes expired ones; returns how many. */
  settleDue(): number {
    const now = new Date(this.deps.clock.now());
    const due = this.deps.orm
      .select()
      .from(paymentChannels)
      .where(
        or(
          and(eq(paymentChannels.status, 'closing'), lte(paymentChannels.challengeEndsAt, now)),
          and(eq(paymentChannels.status, 'open'), lte(paymentChannels.expiresAt, now)),
        ),
      )
      .all();
    for (const channel of due) this.settleIfDue(channel);
    return due.length;
  }

  protected settleIfDue(channel: Row): Row {
    const now = this.deps.clock.now();
    const windowOver = channel.status === 'closing' && (channel.challengeEndsAt?.getTime() ?? 0) <= now;
    const expired = channel.status === 'open' && channel.expiresAt.getTime() <= now;
    if (!windowOver && !expired) return channel;
    // The payee gets what was metered and receipted, never more than the winning signed state.
    const charged = BigInt(channel.charged);
    const claim = windowOver ? BigInt(channel.closingAmount ?? '0') : charged;
    this.deps.orm.transaction((tx) => {
      const fresh = tx.select().from(paymentChannels).where(eq(paymentChannels.id, channel.id)).get();
      if (fresh?.status === 'closed') return;
      this.settle(tx, channel, charged < claim ? charged : claim);
    });
    return this.row(channel.id);
  }

  private settle(tx: Tx, channel: Row, paid: bigint) {
    const deposit = BigInt(channel.deposit);
    const commission = commissionOf(paid);
    const escrow = escrowAccount(channel.id);
    const postings = [
      { account: escrow, asset: channel.asset, amount: -deposit },
      { account: channel.payee, asset: channel.asset, amount: paid - commission.total },
      { account: systemAccounts.treasury, asset: channel.asset, amount: commission.treasury },
      { account: systemAccounts.burn, asset: channel.asset, amount: commission.burn },
      { account: systemAccounts.stakers, asset: channel.asset, amount: commission.stakers },
      { account: channel.payerDid, asset: channel.asset, amount: deposit - paid },
    ].filter((posting) => posting.amount !== 0n);
    const block = this.deps.ledger.post('channel.settle', postings, {
      channelId: channel.id,
      paid: paid.toString(),
    });
    tx.update(paymentChannels)
      .set({
        status: 'closed',
        settledAt: new Date(this.deps.clock.now()),
        settlementHeight: block.height,
        charged: paid.toString(),
      })
      .where(eq(paymentChannels.id, channel.id))
      .run();
  }

  protected recordState(state: SignedState) {
    this.sql.insertState().run({
      channelId: state.channelId,
      nonce: state.nonce,
      cumulative: state.cumulativeAmount,
      final: state.final,
      keyId: state.keyId,
      signature: state.signature,
      receivedAt: new Date(this.deps.clock.now()),
    });
  }

  private highestState(id: string): SignedState | undefined {
    return this.states(id).at(-1);
  }

  protected checkSignature(channel: Row, state: SignedState) {
    if (state.channelId !== channel.id)
      throw channelError('VOUCHER_WRONG_CHANNEL', { channelId: state.channelId });
    const key = this.deps.registry.keyForKeyId(state.keyId);
    const { keyId, signature, ...signed } = state;
    if (
      !key ||
      key.identityDid !== channel.payerDid ||
      !verifyEd25519(hexToBytes(signature), stateBytes(this.network, signed), key.publicKey)
    ) {
      throw channelError('VOUCHER_SIGNATURE_INVALID', { keyId });
    }
  }

  /** An open, unexpired channel (settling it first if it is due). */
  protected usable(id: string): Row {
    const channel = this.settleIfDue(this.row(id));
    if (channel.status !== 'open')
      throw channelError(
        channel.expiresAt.getTime() <= this.deps.clock.now() ? 'CHANNEL_EXPIRED' : 'CHANNEL_NOT_OPEN',
        { id, status: channel.status },
      );
    return channel;
  }

  protected row(id: string): Row {
    const row = this.sql.byId().get({ id });
    if (!row) throw channelError('CHANNEL_NOT_FOUND', { id });
    return row;
  }
}
