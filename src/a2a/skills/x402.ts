import { type Message, TaskState } from '@a2a-js/sdk';
import { encodeVoucher } from '../../channels/index.ts';
import type { ProtocolContext } from '../../gateway/context.ts';
import type { AppError } from '../../shared/index.ts';
import type { InferenceBody } from '../areas.ts';
import { a2aError } from '../errors.ts';
import type { TaskSink } from '../events.ts';
import { metadataKeys, paymentPayloadSchema, voucherSchema } from '../schemas.ts';

/**
 * Payment the a2a-x402 way for the `parley-channel` scheme: requirements go out in the status
 * message's metadata (x402.payment.required), the voucher comes back in the next message's
 * (x402.payment.payload, or Parley's shorter parley/voucher), and the outcome is reported as
 * x402.payment.status with receipts.
 */
export interface PaymentRun {
  context: ProtocolContext;
  sink: TaskSink;
  /** Where the paid skill is reached, for the x402 `resource`. */
  resourceUrl: string;
}

/** Output tokens a request may use when it names no limit (the router's own assumption). */
const defaultMaxTokens = 256;

/** Payment errors that mean "this voucher cannot pay", as opposed to "this request is wrong". */
export const paymentFailures = new Set([
  'VOUCHER_UNREADABLE',
  'VOUCHER_INVALID',
  'VOUCHER_SIGNATURE_INVALID',
  'VOUCHER_WRONG_CHANNEL',
  'VOUCHER_STALE',
  'VOUCHER_DECREASING',
  'VOUCHER_EXCEEDS_DEPOSIT',
  'VOUCHER_BELOW_CHARGED',
  'PAYMENT_INSUFFICIENT',
  'CHANNEL_NOT_USABLE',
  'CHANNEL_NOT_FOUND',
  'CHANNEL_NOT_OPEN',
  'CHANNEL_EXPIRED',
  'PAYMENT_PAYLOAD_INVALID',
  'PAYMENT_REJECTED',
]);

/** The voucher a message carries: `parley/voucher`, or the x402 payload's `payload.voucher`. */
export function voucherOf(message: Message): string | undefined {
  const metadata = message.metadata ?? {};
  if (metadata[metadataKeys.paymentStatus] === 'payment-rejected') throw a2aError('PAYMENT_REJECTED');
  let raw: unknown = metadata[metadataKeys.voucher];
  if (raw === undefined && metadata[metadataKeys.paymentPayload] !== undefined) {
    const payload = paymentPayloadSchema.safeParse(metadata[metadataKeys.paymentPayload]);
    if (!payload.success) throw a2aError('PAYMENT_PAYLOAD_INVALID', { issues: payload.error.issues });
    raw = payload.data.payload.voucher;
  }
  if (raw === undefined) return undefined;
  const parsed = voucherSchema.safeParse(raw);
  if (!parsed.success) throw a2aError('PAYMENT_PAYLOAD_INVALID', { issues: parsed.error.issues });
  return typeof parsed.data === 'string' ? parsed.data : encodeVoucher(parsed.data);
}

interface PaymentTerms {
  payment: {
    scheme: string;
    asset: string;
    pricePerOutputToken: { min: string; max: string };
    payee: string;
    network: string;
    steps: string[];
    quote: string;
  };
}

/** input-required with x402 PaymentRequired: what this request may cost at most, and how to pay. */
export function askForPayment(run: PaymentRun, body: InferenceBody, details: Record<string, unknown>): void {
  const { payment } = details as unknown as PaymentTerms;
  const maxTokens = Number(
    ('max_completion_tokens' in body ? body.max_completion_tokens : undefined) ??
      ('max_tokens' in body ? body.max_tokens : undefined) ??
      defaultMaxTokens,
  );
  const amount = BigInt(payment.pricePerOutputToken.max) * BigInt(maxTokens);
  const required = {
    x402Version: 2,
    error: `Payment required: ${body.model} is priced per output token.`,
    resource: {
      url: run.resourceUrl,
      description: `A completion on ${body.model}, up to ${maxTokens} output tokens`,
      mimeType: 'text/plain',
    },
    accepts: [
      {
        scheme: payment.scheme,
        network: payment.network,
        amount: amount.toString(),
        asset: payment.asset,
        payTo: payment.payee,
        maxTimeoutSeconds: 600,
        extra: {
          pricePerOutputToken: payment.pricePerOutputToken,
          maxOutputTokens: maxTokens,
          voucher:
            "Sign the channel's next state with cumulativeAmount = what it has charged + amount, and reply on this task with message metadata x402.payment.payload = {x402Version: 2, accepted, payload: {voucher}} (or parley/voucher). You pay only for the tokens delivered.",
          steps: payment.steps,
          quote: payment.quote,
        },
      },
    ],
  };
  run.sink.status(
    TaskState.TASK_STATE_INPUT_REQUIRED,
    `Payment required: up to ${amount} atomic ${payment.asset} for ${maxTokens} output tokens of ${body.model}. Reply on this task with a signed voucher.`,
    {
      metadata: {
        [metadataKeys.paymentStatus]: 'payment-required',
        [metadataKeys.paymentRequired]: required,
      },
    },
  );
}

export function paymentFailed(run: PaymentRun, error: AppError): void {
  const rejected = error.code === 'PAYMENT_REJECTED';
  run.sink.status(TaskState.TASK_STATE_FAILED, error.message, {
    data: error.toBody(),
    metadata: {
      [metadataKeys.paymentStatus]: rejected ? 'payment-rejected' : 'payment-failed',
      [metadataKeys.paymentError]: error.code,
      [metadataKeys.paymentReceipts]: [
        { success: false, errorReason: error.message, network: run.context.publicKey, transaction: '' },
      ],
    },
  });
}
