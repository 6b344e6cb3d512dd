import type { ChannelService } from './channels.ts';
import type { Receipt, SignedState } from './state.ts';

/**
 * Meters one paid request against the voucher it came with. Cost is always computed from the
 * cumulative quantity (`costOf(totalTokens)`), so rounding never leaks value, and a unit is only
 * admitted when the cumulative charge stays within what the payer signed.
 */
export class Meter {
  private units = 0;
  private cost = 0n;
  private readonly base: bigint;
  private readonly limit: bigint;

  constructor(
    private readonly channels: ChannelService,
    readonly channelId: string,
    charged: bigint,
    authorized: bigint,
    private readonly costOf: (units: number) => bigint,
  ) {
    this.base = charged;
    this.limit = authorized;
  }

  /** Accepts the voucher (durably) and starts metering from what the channel has charged so far. */
  static start(channels: ChannelService, voucher: SignedState, costOf: (units: number) => bigint): Meter {
    const channel = channels.acceptVoucher(voucher);
    return new Meter(channels, channel.id, BigInt(channel.charged), BigInt(channel.authorized), costOf);
  }

  /** Admits `count` more units if the payer's signature covers them; false means stop (payment_limit). */
  admit(count = 1): boolean {
    const next = this.costOf(this.units + count);
    if (this.base + next > this.limit) return false;
    this.units += count;
    this.cost = next;
    return true;
  }

  get admitted(): number {
    return this.units;
  }

  /** What the payer's voucher still covers beyond the units admitted so far. */
  get headroom(): bigint {
    return this.limit - this.base - this.cost;
  }

  /** Writes the gateway-signed receipt for everything admitted; durable before it returns. */
  receipt(requestId?: string): Receipt {
    return this.channels.charge(this.channelId, this.base + this.cost, requestId);
  }
}
