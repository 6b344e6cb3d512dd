import type { Meter } from '../channels/index.ts';
import { readAll } from '../shared/upstream.ts';
import { routerError } from './errors.ts';
import type { Forwarded } from './forward.ts';
import type { Billing } from './relay.ts';
import { encodeReceipt } from './relay-shapes.ts';

/** Embeddings: one JSON answer, billed per input token the provider reports. */
export async function embeddingResponse(
  forwarded: Forwarded,
  admit: (tokens: number) => boolean,
  bill: () => Billing,
  headers: Record<string, string>,
  meter: Meter | undefined,
): Promise<Response> {
  let answer: { usage?: { prompt_tokens?: number } } & Record<string, unknown>;
  try {
    answer = JSON.parse((await readAll(forwarded.body)).toString('utf8')) as typeof answer;
  } catch {
    forwarded.finish(false);
    meter?.release();
    throw routerError('UPSTREAM_FAILED', {
      provider: forwarded.providerId,
      reason: 'the answer was not JSON',
    });
  }
  const tokens = answer.usage?.prompt_tokens ?? 0;
  forwarded.finish(true, tokens);
  if (tokens > 0 && !admit(tokens)) {
    meter?.release();
    throw routerError('PAYMENT_INSUFFICIENT', {
      tokens,
      reason: 'the voucher does not cover the input tokens',
    });
  }
  const billing = bill();
  return Response.json(
    { ...answer, parley: billing },
    { headers: { ...headers, 'parley-receipt': encodeReceipt(billing.receipt) } },
  );
}
