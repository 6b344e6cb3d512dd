import { createParser } from 'eventsource-parser';
import { Meter, type Receipt } from '../channels/index.ts';
import { readAll } from '../shared/upstream.ts';
import { routerError } from './errors.ts';
import { type Forwarded, forward, NoUpstreamError } from './forward.ts';
import { type Admission, type InferenceBody, type InferenceDeps, inferencePaths } from './inference.ts';
import type { ChatRequest } from './openai-schemas.ts';
import { embeddingResponse } from './relay-embeddings.ts';
import { completionBody, encodeReceipt, finalChunk, upstreamError, usageChunk } from './relay-shapes.ts';
import { Tally } from './tally.ts';

export interface Billing {
  provider: string;
  asset: string;
  price_per_token: string;
  billed_tokens: number;
  cost: string;
  receipt: Receipt | null;
  /** The TEE appraisal under which the provider served this (GET /v1/attestations/{id}), if it did. */
  attestation: string | null;
}

/**
 * Serves an admitted request: forwards it (always streaming upstream, so every token is metered as
 * it arrives) with failover, relays or gathers the tokens the caller's budget admits, stops with
 * `payment_limit` when the next token would cost more than was signed, and ends with a durable,
 * gateway-signed receipt for exactly what was delivered.
 */
export async function serve(
  deps: InferenceDeps,
  admission: Admission,
  body: InferenceBody,
  requestId: string,
): Promise<Response> {
  const { router, channels, forwarding } = deps;
  const { hold } = admission;
  const streaming = admission.kind !== 'embedding';
  let forwarded: Forwarded;
  try {
    forwarded = await forward(
      inferencePaths[admission.kind],
      upstreamBody(admission, body),
      admission.offers.map((offer) => ({ providerId: offer.candidate.providerId, endpoint: offer.endpoint })),
      {
        breakers: router.breakers,
        health: router.health,
        clock: router.clock,
        maxAttempts: forwarding.maxAttempts,
        attemptTimeoutMs: forwarding.attemptTimeoutMs,
        deadlineMs: forwarding.deadlineMs,
        stream: streaming,
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      },
    );
  } catch (error) {
    if (hold) channels.release(hold.channelId, hold.budget);
    if (error instanceof NoUpstreamError)
      throw routerError('UPSTREAM_FAILED', { model: admission.model.model_id, attempts: error.attempts });
    throw error;
  }
  const offer = admission.offers.find((o) => o.candidate.providerId === forwarded.providerId);
  if (!offer) throw new Error(`forward() chose ${forwarded.providerId}, which was not offered`);
  const meter = hold ? new Meter(channels, hold.channelId, hold.budget, offer.costOf) : undefined;
  const headers = {
    'parley-provider': forwarded.providerId,
    'parley-asset': admission.asset,
    'parley-price-per-token': offer.candidate.pricePerToken.toString(),
    ...(offer.appraisalId ? { 'parley-attestation': offer.appraisalId } : {}),
  };
  if (forwarded.status >= 400) {
    // The provider refused the request itself (4xx): nothing was delivered, nothing is charged.
    meter?.release();
    forwarded.finish(true);
    return new Response(new Uint8Array(await readAll(forwarded.body)), {
      status: forwarded.status,
      headers: { ...headers, 'content-type': forwarded.contentType ?? 'application/json' },
    });
  }
  let freeTokens = 0;
  const admit = meter
    ? (tokens: number) => meter.admit(tokens)
    : (tokens: number) => {
        freeTokens += tokens;
        return true;
      };
  const bill = (): Billing => {
    const receipt = meter ? meter.receipt(requestId) : null;
    return {
      provider: forwarded.providerId,
      asset: admission.asset,
      price_per_token: offer.candidate.pricePerToken.toString(),
      billed_tokens: meter ? meter.admitted : freeTokens,
      cost: (meter?.charged ?? 0n).toString(),
      receipt,
      attestation: offer.appraisalId,
    };
  };
  if (admission.kind === 'embedding') return embeddingResponse(forwarded, admit, bill, headers, meter);
  const wantStream = 'stream' in body && body.stream === true;
  const tally = new Tally(admission.kind, admit, !wantStream);
  const context: RelayContext = {
    admission,
    forwarded,
    tally,
    bill,
    idleTimeoutMs: forwarding.attemptTimeoutMs,
    includeUsage: wantStream && (body as ChatRequest).stream_options?.include_usage === true,
    clientCap: clientCap(body),
  };
  if (wantStream) return new Response(streamTokens(context), { headers: { ...headers, ...sseHeaders } });
  const outcome = await drain(context);
  if (outcome.error) {
    // Nothing reached the caller, so nothing is charged.
    meter?.release();
    throw routerError('UPSTREAM_FAILED', {
      model: admission.model.model_id,
      provider: forwarded.providerId,
      reason: 'the provider failed before finishing',
    });
  }
  const billing = bill();
  return Response.json(completionBody(context, billing), {
    headers: { ...headers, 'parley-receipt': encodeReceipt(billing.receipt) },
  });
}

const sseHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
};

export interface RelayContext {
  admission: Admission;
  forwarded: Forwarded;
  tally: Tally;
  bill: () => Billing;
  idleTimeoutMs: number;
  includeUsage: boolean;
  clientCap: number | undefined;
}

function clientCap(body: InferenceBody): number | undefined {
  const cap =
    ('max_completion_tokens' in body ? body.max_completion_tokens : undefined) ??
    ('max_tokens' in body ? body.max_tokens : undefined);
  return typeof cap === 'number' ? cap : undefined;
}

/** The request as the provider gets it: streamed with usage, capped at what the voucher pays for. */
function upstreamBody(admission: Admission, body: InferenceBody): Record<string, unknown> {
  const { routing: _routing, ...rest } = body as InferenceBody & { routing?: unknown };
  if (admission.kind === 'embedding') return rest;
  const { max_completion_tokens: _m, ...request } = rest as Record<string, unknown>;
  const cap = clientCap(body);
  const limit =
    admission.tokenCap === undefined
      ? cap
      : cap === undefined
        ? admission.tokenCap
        : Math.min(cap, admission.tokenCap);
  return {
    ...request,
    stream: true,
    stream_options: { include_usage: true },
    ...(limit !== undefined ? { max_tokens: limit } : {}),
  };
}

type Outcome = { error?: unknown };

/**
 * Pulls upstream events through the tally until the stream ends, the budget runs out or the provider
 * fails; `emit` gets the frames to relay, all those of one upstream read at once (one write for
 * several tokens when they arrive together). A provider silent for `idleTimeoutMs` counts as failed.
 */
async function pump(
  context: RelayContext,
  emit: (frame: string) => void,
  cancelled: () => boolean,
): Promise<Outcome> {
  const { forwarded, tally } = context;
  const body = forwarded.body;
  const decoder = new TextDecoder();
  let outcome: Outcome | undefined;
  let ended = false;
  let frames = '';
  const parser = createParser({
    onEvent(event) {
      if (outcome || ended) return;
      const verdict = tally.read(event.data);
      if (verdict.kind === 'relay') frames += verdict.frame;
      else if (verdict.kind === 'done') ended = true;
      else if (verdict.kind === 'limit') {
        tally.finishReason = 'payment_limit';
        outcome = {};
      } else if (verdict.kind === 'error') outcome = { error: verdict.error };
    },
  });
  const idle = setTimeout(() => {
    outcome ??= { error: { message: `the provider sent nothing for ${context.idleTimeoutMs} ms` } };
    body.cancel();
  }, context.idleTimeoutMs);
  try {
    while (!outcome && !ended && !cancelled()) {
      const chunk = await body.read();
      if (chunk === undefined) break;
      idle.refresh();
      parser.feed(decoder.decode(chunk, { stream: true }));
      if (frames) {
        emit(frames);
        frames = '';
      }
    }
  } catch (error) {
    outcome ??= { error: { message: `the provider's stream broke: ${(error as Error).message}` } };
  } finally {
    clearTimeout(idle);
  }
  if (!outcome && !ended && !cancelled() && tally.finishReason === null)
    outcome = { error: { message: 'the provider ended the stream before finishing' } };
  if (outcome || cancelled() || !ended) body.cancel();
  const failed = outcome?.error !== undefined;
  forwarded.finish(!failed, tally.tokens);
  if (!failed) settleUsage(context);
  return outcome ?? {};
}

/** Reconciles with the provider's own count, and names a stop at the payment cap `payment_limit`. */
function settleUsage(context: RelayContext) {
  const { tally, admission } = context;
  const reported = tally.usage?.completion_tokens;
  if (reported !== undefined && tally.finishReason !== 'payment_limit') tally.reconcile(reported);
  const cappedByPayment =
    admission.tokenCap !== undefined &&
    (context.clientCap === undefined || admission.tokenCap < context.clientCap);
  if (tally.finishReason === 'length' && cappedByPayment && tally.tokens >= (admission.tokenCap ?? 0))
    tally.finishReason = 'payment_limit';
}

function drain(context: RelayContext): Promise<Outcome> {
  return pump(
    context,
    () => {},
    () => false,
  );
}

function streamTokens(context: RelayContext): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      const emit = (frame: string) => {
        if (!cancelled) controller.enqueue(encoder.encode(frame));
      };
      const outcome = await pump(context, emit, () => cancelled);
      let billing: Billing | undefined;
      try {
        billing = context.bill();
      } catch (error) {
        outcome.error ??= { message: `could not write the receipt: ${(error as Error).message}` };
      }
      if (cancelled) return;
      if (billing)
        emit(`data: ${JSON.stringify(finalChunk(context, billing, outcome.error !== undefined))}\n\n`);
      if (outcome.error !== undefined) {
        emit(`data: ${JSON.stringify({ error: upstreamError(context, outcome.error) })}\n\n`);
      } else {
        if (context.includeUsage) emit(`data: ${JSON.stringify(usageChunk(context))}\n\n`);
        emit('data: [DONE]\n\n');
      }
      controller.close();
    },
    cancel() {
      cancelled = true;
    },
  });
}
