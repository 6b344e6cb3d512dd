import { type Message, TaskState } from '@a2a-js/sdk';
import { createParser } from 'eventsource-parser';
import { AppError } from '../../shared/index.ts';
import { admit, type Billing, type InferenceBody, pricedModel, serve } from '../areas.ts';
import { a2aError } from '../errors.ts';
import { dataPart, type Metadata, type TaskSink, textPart } from '../events.ts';
import { type InferenceRequest, metadataKeys } from '../schemas.ts';
import type { RequestOf, SkillCall, SkillResult } from './types.ts';
import { askForPayment, paymentFailed, paymentFailures, voucherOf } from './x402.ts';

/** Model discovery, as GET /v1/registry/models answers it. */
export function runModels(
  { context }: SkillCall,
  request: Extract<RequestOf<'inference'>, { action: 'models' }>,
): SkillResult {
  const models = context.router.registry.listModels(request.filter ?? {});
  const names = models.map((model) => model.model_id).join(', ') || 'none';
  return { name: 'models', summary: `${models.length} models: ${names}.`, data: { data: models } };
}

export interface InferenceRun extends SkillCall {
  request: InferenceRequest;
  /** The message being answered: its metadata may carry the voucher. */
  message: Message;
  sink: TaskSink;
  signal: AbortSignal;
  /** Where this skill is reached, for the x402 `resource`. */
  resourceUrl: string;
}

/**
 * A completion through the router, exactly as /v1/chat/completions serves it (price, delegation,
 * voucher, routing, metering), with tokens streamed as artifact chunks. A priced model without a
 * voucher parks the task in input-required with x402 payment requirements; the client's next
 * message on the task carries the voucher and the completion goes ahead.
 */
export async function runInference(run: InferenceRun): Promise<void> {
  const { context, principal, request, sink } = run;
  try {
    const voucher = voucherOf(run.message);
    const body = bodyOf(request);
    let model: ReturnType<typeof pricedModel>;
    try {
      model = pricedModel(context.inference, body.model, voucher);
    } catch (error) {
      if (error instanceof AppError && error.code === 'PAYMENT_REQUIRED')
        return askForPayment(run, body, error.details);
      throw error;
    }
    const admission = admit(
      context.inference,
      { kind: request.action, body, principal, voucher, routingHeader: undefined },
      model,
    );
    const response = await serve(context.inference, admission, body, sink.taskId);
    if (!response.ok) {
      throw a2aError('UPSTREAM_REFUSED', { status: response.status, body: await response.text() });
    }
    await relayTokens(run, response);
  } catch (error) {
    if (error instanceof AppError && paymentFailures.has(error.code)) return paymentFailed(run, error);
    throw error;
  }
}

/** The OpenAI body the router gets: the request without `skill`/`action`, always streamed. */
function bodyOf(request: InferenceRequest): InferenceBody {
  const { skill: _skill, action: _action, stream: _stream, stream_options: _options, ...body } = request;
  return { ...body, stream: true } as InferenceBody;
}

interface StreamedChunk {
  error?: unknown;
  parley?: Billing;
  choices?: Array<{ delta?: { content?: string | null }; text?: string; finish_reason?: string | null }>;
}

/** Relays the router's SSE stream as artifact chunks, then ends the task with the receipt. */
async function relayTokens(run: InferenceRun, response: Response): Promise<void> {
  const { sink, signal } = run;
  const completion = { artifactId: sink.newId('completion'), name: 'completion' };
  let text = '';
  let chunks = 0;
  let billing: Billing | undefined;
  let failure: unknown;
  let finishReason: string | null = null;
  const parser = createParser({
    onEvent(event) {
      if (event.data === '[DONE]') return;
      const chunk = JSON.parse(event.data) as StreamedChunk;
      if (chunk.error !== undefined) failure = chunk.error;
      if (chunk.parley) billing = chunk.parley;
      const choice = chunk.choices?.[0];
      const piece = choice?.delta?.content ?? choice?.text;
      if (piece) {
        text += piece;
        sink.artifact({ ...completion, parts: [textPart(piece)] }, { append: chunks > 0, lastChunk: false });
        chunks++;
      }
      if (choice?.finish_reason) finishReason = choice.finish_reason;
    },
  });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const stop = () => void reader.cancel().catch(() => {});
  signal.addEventListener('abort', stop, { once: true });
  // Canceled while the router was still picking a provider: stop before the first token.
  if (signal.aborted) stop();
  const decoder = new TextDecoder();
  let ended = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        ended = true;
        break;
      }
      parser.feed(decoder.decode(next.value, { stream: true }));
    }
  } finally {
    signal.removeEventListener('abort', stop);
    // Leaving early (an unreadable event) must still stop the relay, so metering stops with it.
    if (!ended) stop();
  }
  if (signal.aborted) {
    sink.status(
      TaskState.TASK_STATE_CANCELED,
      `Canceled after ${chunks} tokens; the channel is charged only for those (its latest receipt has them).`,
    );
    return;
  }
  // The stored artifact ends as one text part: the whole completion replaces the streamed pieces.
  const metadata: Metadata = { finishReason, ...(billing ? { [metadataKeys.billing]: billing } : {}) };
  sink.artifact({ ...completion, parts: [textPart(text)], metadata }, { append: false, lastChunk: true });
  if (billing) {
    sink.artifact({
      artifactId: sink.newId('billing'),
      name: 'billing',
      parts: [dataPart(billing)],
      metadata: billing.receipt ? { [metadataKeys.receipt]: billing.receipt } : undefined,
    });
  }
  const paid = billing?.receipt
    ? {
        [metadataKeys.paymentStatus]: 'payment-completed',
        [metadataKeys.paymentReceipts]: [
          {
            success: true,
            transaction: `${billing.receipt.channelId}#${billing.receipt.sequence}`,
            network: run.context.publicKey,
            payer: run.principal.admin ? 'admin' : run.principal.did,
          },
        ],
        [metadataKeys.receipt]: billing.receipt,
      }
    : {};
  const metadataOut = { ...paid, ...(billing ? { [metadataKeys.billing]: billing } : {}) };
  if (failure !== undefined) {
    sink.status(
      TaskState.TASK_STATE_FAILED,
      `The provider failed after ${chunks} tokens; you are charged only for those.`,
      { data: { error: failure }, metadata: metadataOut },
    );
    return;
  }
  const cost = billing ? ` for ${billing.cost} atomic ${billing.asset}` : '';
  sink.status(
    TaskState.TASK_STATE_COMPLETED,
    `Completed: ${billing?.billed_tokens ?? chunks} tokens from ${billing?.provider ?? 'the provider'}${cost} (finish: ${finishReason}).`,
    { metadata: metadataOut },
  );
}
