import { bytesToHex } from '@noble/hashes/utils.js';
import { ChannelLifecycle, type ChannelRow } from './channel-lifecycle.ts';
import { channelError } from './errors.ts';
import { type Receipt, receiptBytes, type SignedState } from './state.ts';

type Row = ChannelRow;

/**
 * Payment channels on the request path: vouchers (payer-signed cumulative states), what requests in
 * flight hold of a channel's authorization, and metered charges with gateway-signed receipts; the
 * rest of a channel's life (open, top-up, close, dispute, settle) comes from `ChannelLifecycle`.
 */
export class ChannelService extends ChannelLifecycle {
  /** Per channel, what requests in flight in this process hold of its authorization. */
  private readonly held = new Map<string, bigint>();

  /** Who pays whom in which asset, and what is charged: a quick read for the request path. */
  parties(id: string): { payer: string; payee: string; asset: string; charged: bigint } {
    const row = this.sql.byId().get({ id });
    if (!row) throw channelError('CHANNEL_NOT_FOUND', { id });
    return { payer: row.payerDid, payee: row.payee, asset: row.asset, charged: BigInt(row.charged) };
  }

  /**
   * Accepts a voucher: a payer-signed state with a higher nonce authorizing a cumulative amount that
   * never decreases, never drops below what was charged and never exceeds the deposit. Durable before
   * it returns.
   */
  acceptVoucher(state: SignedState): Row {
    const channel = this.usable(state.channelId);
    if (state.final)
      throw channelError('VOUCHER_INVALID', {
        reason: 'final states close channels: POST /v1/channels/{id}/close',
      });
    this.checkSignature(channel, state);
    const amount = BigInt(state.cumulativeAmount);
    if (state.nonce <= channel.nonce)
      throw channelError('VOUCHER_STALE', { nonce: state.nonce, lastNonce: channel.nonce });
    if (amount < BigInt(channel.authorized)) {
      throw channelError('VOUCHER_DECREASING', {
        cumulativeAmount: state.cumulativeAmount,
        authorized: channel.authorized,
      });
    }
    if (amount > BigInt(channel.deposit)) {
      throw channelError('VOUCHER_EXCEEDS_DEPOSIT', {
        cumulativeAmount: state.cumulativeAmount,
        deposit: channel.deposit,
      });
    }
    return this.deps.orm.transaction(() => {
      const updated = this.sql.advance().get({
        id: channel.id,
        nonce: state.nonce,
        authorized: state.cumulativeAmount,
        previousNonce: channel.nonce,
      });
      // Another gateway process accepted a voucher in between: this one is no longer the next.
      if (!updated) throw channelError('VOUCHER_STALE', { nonce: state.nonce });
      this.recordState(state);
      return updated;
    });
  }

  /**
   * Records what metering consumed, as a gateway-signed receipt, durably and only up to what the
   * payer authorized. `charged` is the channel's new cumulative total. Returns the client's receipt.
   */
  charge(id: string, charged: bigint, requestId?: string): Receipt {
    return this.receipted(id, () => charged, requestId);
  }

  /** Like `charge`, adding `amount` to whatever the channel has charged so far (requests in parallel). */
  chargeMore(id: string, amount: bigint, requestId?: string): Receipt {
    return this.receipted(id, (current) => current + amount, requestId);
  }

  /**
   * Holds, for one request, whatever the channel's authorization leaves beyond what is charged and
   * what other requests in flight hold, so parallel requests on one channel never together admit
   * more than the payer signed. Returns the amount held; give it back with `release`. `current` is
   * the channel as `acceptVoucher` just returned it, which saves reading it again.
   */
  hold(id: string, current?: Pick<Row, 'authorized' | 'charged'>): bigint {
    const channel = current ?? this.row(id);
    const held = this.held.get(id) ?? 0n;
    const free = BigInt(channel.authorized) - BigInt(channel.charged) - held;
    const amount = free > 0n ? free : 0n;
    this.held.set(id, held + amount);
    return amount;
  }

  release(id: string, amount: bigint): void {
    const left = (this.held.get(id) ?? 0n) - amount;
    if (left > 0n) this.held.set(id, left);
    else this.held.delete(id);
  }

  private receipted(id: string, next: (charged: bigint) => bigint, requestId?: string): Receipt {
    const now = this.deps.clock.now();
    return this.deps.orm.transaction(
      () => {
        const channel = this.sql.receiptBasis().get({ id });
        if (!channel) throw channelError('CHANNEL_NOT_FOUND', { id });
        const charged = next(BigInt(channel.charged));
        if (charged > BigInt(channel.authorized) || charged < BigInt(channel.charged)) {
          throw channelError('VOUCHER_BELOW_CHARGED', {
            charged: charged.toString(),
            authorized: channel.authorized,
          });
        }
        const unsigned = {
          channelId: id,
          nonce: channel.nonce,
          charged: charged.toString(),
          sequence: channel.lastSequence + 1,
          issuedAt: now,
        };
        const signature = bytesToHex(this.deps.signer.sign(receiptBytes(this.network, unsigned)));
        this.sql.setCharged().run({ id, charged: unsigned.charged });
        this.sql
          .insertReceipt()
          .run({ ...unsigned, requestId: requestId ?? null, signature, issuedAt: new Date(now) });
        return { ...unsigned, signature };
      },
      { behavior: 'immediate' },
    );
  }
}
