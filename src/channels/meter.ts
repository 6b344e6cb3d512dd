import type { ChannelService } from './channels.ts';
import type { Receipt, SignedState } from './state.ts';

/**
 * Meters one paid request against the voucher it came with. Cost is always computed from the
 * cumulative quantity (`costOf(totalTokens)`), so rounding never leaks value, and a unit is only
 * admitted while the request's cost stays within the budget it holds on the channel: what the payer
 * signed, less what is charged and what other requests in flight hold.
 */
export class Meter {
  private units = 0;
  private cost = 0n;
  private settled = false;

  constructor(
    private readonly channels: ChannelService,
    readonly channelId: string,
    /** What this request may spend at most. */
    readonly budget: bigint,
    private readonly costOf: (units: number) => bigint,
  ) {}

  /** Accepts the voucher (durably) and holds the authorization it leaves free for this request. */
  static start(channels: ChannelService, voucher: SignedState, costOf: (units: number) => bigint): Meter {
    const channel = channels.acceptVoucher(voucher);
    return new Meter(channels, channel.id, channels.hold(channel.id, channel), costOf);
  }

  /** Admits `count` more units if the budget covers them; false means stop (payment_limit). */
  admit(count = 1): boolean {
    const next = this.costOf(this.units + count);
    if (next > this.budget) return false;
    this.units += count;
    this.cost = next;
    return true;
  }

  get admitted(): number {
    return this.units;
  }

  /** What everything admitted so far costs. */
  get charged(): bigint {
    return this.cost;
  }

  /** What the budget still covers beyond the units admitted so far. */
  get headroom(): bigint {
    return this.budget - this.cost;
  }

  /** Writes the gateway-signed receipt for everything admitted, durable before it returns; ends the request. */
  receipt(requestId?: string): Receipt {
    if (this.settled) throw new Error('this request already has its receipt');
    try {
      return this.channels.chargeMore(this.channelId, this.cost, requestId);
    } finally {
      this.release();
    }
  }

  /** Gives the budget back without charging (the request never reached the point of delivering). */
  release(): void {
    if (this.settled) return;
    this.settled = true;
    this.channels.release(this.channelId, this.budget);
  }
}
