import { AppError } from '../../shared/index.ts';
import type { GeneratedToken, GenerationRequest, InferenceEngine } from '../engine/index.ts';
import { providerApiError } from './errors.ts';
import {
  type CompletionFormat,
  chatFormat,
  type Envelope,
  textCompletionFormat,
  usageOf,
} from './openai-format.ts';
import type { ChatRequest, CompletionRequest } from './schemas.ts';

const defaultMaxTokens = 256;
/** OpenAI's default. */
const defaultTemperature = 1;

export type CompletionBody =
  | { kind: 'chat'; body: ChatRequest }
  | { kind: 'completion'; body: CompletionRequest };

/** Reads an OpenAI request into the engine's terms; the model must be the one this provider serves. */
export function generationRequest(
  engine: InferenceEngine,
  { kind, body }: CompletionBody,
): GenerationRequest {
  if (body.model !== engine.model.id) {
    throw providerApiError('MODEL_NOT_FOUND', { model: body.model, available: [engine.model.id] });
  }
  const stop = typeof body.stop === 'string' ? [body.stop] : (body.stop ?? undefined);
  const maxTokens =
    (kind === 'chat' ? body.max_completion_tokens : undefined) ?? body.max_tokens ?? defaultMaxTokens;
  const common = {
    maxTokens,
    temperature: body.temperature ?? defaultTemperature,
    ...(body.top_p != null ? { topP: body.top_p } : {}),
    ...(body.top_k != null ? { topK: body.top_k } : {}),
    ...(body.seed != null ? { seed: body.seed } : {}),
    ...(stop ? { stop } : {}),
  };
  if (kind === 'chat') {
    const messages = body.messages.map(({ role, content }) => ({
      role,
      content: typeof content === 'string' ? content : (content ?? []).map((part) => part.text).join(''),
    }));
    return {
      ...common,
      prompt: { messages },
      ...(body.logprobs ? { logprobs: body.top_logprobs ?? 0 } : {}),
    };
  }
  const text = typeof body.prompt === 'string' ? body.prompt : (body.prompt[0] ?? '');
  return { ...common, prompt: { text }, ...(body.logprobs != null ? { logprobs: body.logprobs } : {}) };
}

/**
 * Runs one request on the engine and answers it as OpenAI would: one JSON body, or server-sent events
 * with one chunk per token. Errors before the first token (busy, queue timeout, prompt too long) keep
 * their HTTP status; `signal` (the client leaving, or the stream cancelled) frees the sequence at once.
 */
export async function serveCompletion(
  engine: InferenceEngine,
  input: CompletionBody,
  envelope: Envelope,
  signal: AbortSignal,
): Promise<Response> {
  const request = generationRequest(engine, input);
  const wantsLogprobs = request.logprobs !== undefined;
  const includeUsage = input.body.stream_options?.include_usage === true;
  const format =
    input.kind === 'chat'
      ? chatFormat(envelope, wantsLogprobs, includeUsage && input.body.stream === true)
      : textCompletionFormat(envelope, wantsLogprobs, includeUsage && input.body.stream === true);
  if (input.body.stream === true) return streamCompletion(engine, request, format, includeUsage, signal);
  const tokens: GeneratedToken[] = [];
  const result = await engine.generate({ ...request, signal }, (token) => tokens.push(token));
  return Response.json(format.body(tokens, result));
}

const sseHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
};

async function streamCompletion(
  engine: InferenceEngine,
  request: GenerationRequest,
  format: CompletionFormat,
  includeUsage: boolean,
  clientSignal: AbortSignal,
): Promise<Response> {
  const cancel = new AbortController();
  const encoder = new TextEncoder();
  let sink: ReadableStreamDefaultController<Uint8Array> | undefined;
  let open = true;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      sink = controller;
    },
    cancel() {
      open = false;
      cancel.abort();
    },
  });
  const send = (data: unknown) => {
    if (open)
      sink?.enqueue(encoder.encode(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`));
  };
  let first = true;
  let textOffset = 0;
  let started: () => void = () => {};
  const firstToken = new Promise<void>((resolve) => {
    started = resolve;
  });
  const signal = AbortSignal.any([clientSignal, cancel.signal]);
  const generation = engine.generate({ ...request, signal }, (token) => {
    send(format.tokenChunk(token, first, textOffset));
    first = false;
    textOffset += token.text.length;
    started();
  });
  // Until the first token, failures are answered with their own status rather than inside the stream.
  await Promise.race([firstToken, generation]);
  void generation
    .then(
      (result) => {
        send(format.finalChunk(result.finishReason));
        if (includeUsage) send(format.usageChunk(usageOf(result)));
        send('[DONE]');
      },
      (error: unknown) => {
        const failure = error instanceof AppError ? error : providerApiError('INTERNAL_ERROR');
        send(failure.toBody());
      },
    )
    .finally(() => {
      if (open) sink?.close();
      open = false;
    });
  return new Response(body, { headers: sseHeaders });
}
