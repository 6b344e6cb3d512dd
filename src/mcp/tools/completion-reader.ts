import { createParser } from 'eventsource-parser';
import { z } from 'zod';
import { routerErrors } from '../../router/index.ts';
import { defineErrors } from '../../shared/index.ts';
import { parleyBillingSchema } from '../area-internals.ts';
import { mcpError } from '../errors.ts';

const routerError = defineErrors(routerErrors);

const usageSchema = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
});

/** The parts of a relayed completion (JSON body or SSE chunk) that the chat tool reads. */
const completionSchema = z.looseObject({
  model: z.string().optional(),
  choices: z
    .array(
      z.looseObject({
        message: z.looseObject({ content: z.string().nullish() }).optional(),
        delta: z.looseObject({ content: z.string().nullish() }).optional(),
        finish_reason: z.string().nullish(),
      }),
    )
    .optional(),
  usage: usageSchema.optional(),
  parley: parleyBillingSchema.optional(),
  error: z
    .looseObject({ code: z.string().optional(), message: z.string().optional(), details: z.unknown() })
    .optional(),
});

export interface Completion {
  model: string | undefined;
  text: string;
  finish_reason: string | null;
  usage: z.infer<typeof usageSchema> | undefined;
  billing: z.infer<typeof parleyBillingSchema>;
}

/** A non-streamed answer from `serve`: the completion body with `parley` billing. */
export async function readCompletion(response: Response): Promise<Completion> {
  const body = completionSchema.parse(await response.json());
  const choice = body.choices?.[0];
  if (!body.parley) throw mcpError('INTERNAL_ERROR', { reason: 'the completion carried no billing' });
  return {
    model: body.model,
    text: choice?.message?.content ?? '',
    finish_reason: choice?.finish_reason ?? null,
    usage: body.usage,
    billing: body.parley,
  };
}

/**
 * A streamed answer from `serve`, chunk by chunk: `onText` hears every piece of text as it arrives
 * (the chat tool turns them into progress notifications). Aborting `signal` stops reading, which
 * ends the relay: the caller pays only for what was delivered. A provider failing mid-stream is an
 * UPSTREAM_FAILED error carrying the billing and the text delivered so far.
 */
export async function readCompletionStream(
  response: Response,
  onText: (text: string, pieces: number) => Promise<void>,
  signal: AbortSignal,
): Promise<Completion> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const stop = () => void reader.cancel().catch(() => {});
  signal.addEventListener('abort', stop, { once: true });
  const decoder = new TextDecoder();
  const events: string[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event.data) });
  let model: string | undefined;
  let text = '';
  let pieces = 0;
  let finish: string | null = null;
  let usage: Completion['usage'];
  let billing: Completion['billing'] | undefined;
  let failure: { message?: string; details?: unknown } | undefined;
  try {
    while (!signal.aborted) {
      const next = await reader.read();
      if (next.done) break;
      parser.feed(decoder.decode(next.value, { stream: true }));
      for (const data of events.splice(0)) {
        if (data === '[DONE]') continue;
        const chunk = completionSchema.parse(JSON.parse(data));
        if (chunk.error) failure = chunk.error;
        model ??= chunk.model;
        usage = chunk.usage ?? usage;
        billing = chunk.parley ?? billing;
        const choice = chunk.choices?.[0];
        finish = choice?.finish_reason ?? finish;
        const piece = choice?.delta?.content;
        if (piece) {
          text += piece;
          await onText(piece, ++pieces);
        }
      }
    }
  } finally {
    signal.removeEventListener('abort', stop);
  }
  if (signal.aborted) throw mcpError('CHAT_CANCELLED', { delivered: text });
  if (failure) {
    throw routerError(
      'UPSTREAM_FAILED',
      { cause: failure.details ?? null, delivered: text, billing: billing ?? null },
      failure.message,
    );
  }
  if (!billing) throw mcpError('INTERNAL_ERROR', { reason: 'the stream ended without billing' });
  return { model, text, finish_reason: finish, usage, billing };
}
