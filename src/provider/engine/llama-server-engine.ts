import { basename } from 'node:path';
import { createParser } from 'eventsource-parser';
import { AppError, fetchFailure } from '../../shared/index.ts';
import { httpSend, readAll } from '../../shared/upstream.ts';
import { readGgufHeader } from '../gguf/index.ts';
import { engineError } from './errors.ts';
import { fileSha256 } from './file-sha256.ts';
import { LlamaServerProcess, listDevices, type SupervisorEvent } from './llama-server-process.ts';
import { SequencePool } from './sequence-pool.ts';
import type {
  EngineStats,
  GeneratedToken,
  GenerationRequest,
  GenerationResult,
  InferenceEngine,
} from './types.ts';

export interface LlamaServerEngineOptions {
  /** Path of the `llama-server` binary (built from the llama.cpp source node-llama-cpp ships). */
  binary: string;
  modelPath: string;
  modelId?: string;
  sha256?: string;
  capacity?: number;
  /** Tokens per slot (prompt and completion). */
  contextSize?: number;
  queueLimit?: number;
  queueTimeoutMs?: number;
  /** Offload every layer to the GPU (the binary's own backend); false keeps it on the CPU. */
  gpu?: boolean;
  threads?: number;
  startTimeoutMs?: number;
  /** Health checks of the running server: interval and failures in a row before a restart. */
  healthIntervalMs?: number;
  healthFailures?: number;
  restartDelayMs?: number;
  /**
   * How long a request waits for a server being restarted before ENGINE_UNAVAILABLE (default 5 s,
   * at most the queue timeout): short, so a gateway fails over instead of waiting on a long reload.
   */
  restartWaitMs?: number;
  onEvent?: (event: SupervisorEvent) => void;
  onLog?: (line: string) => void;
}

/** One streamed piece of llama-server's native `/completion` endpoint (with `n_probs` and tokens). */
interface ServerChunk {
  content?: string;
  tokens?: number[];
  stop?: boolean;
  stop_type?: 'eos' | 'limit' | 'word' | 'none';
  tokens_evaluated?: number;
  tokens_predicted?: number;
  completion_probabilities?: Array<{
    token: string;
    bytes: number[];
    logprob: number;
    top_logprobs?: Array<{ token: string; bytes: number[]; logprob: number }>;
  }>;
  error?: { message?: string };
}

const speedSmoothing = 0.2;

/**
 * The second backend: a supervised `llama-server` process behind the same `InferenceEngine`
 * interface, for its much better batching across parallel streams. Same model hash, token stream,
 * logprobs and queueing rules as the in-process engine; the server renders chat templates itself.
 */
export async function createLlamaServerEngine(options: LlamaServerEngineOptions): Promise<InferenceEngine> {
  const capacity = options.capacity ?? 4;
  const header = readGgufHeader(options.modelPath);
  const architecture = String(header.metadata['general.architecture']?.value ?? 'llama');
  const trainContext = Number(header.metadata[`${architecture}.context_length`]?.value ?? 2048);
  const contextSize = options.contextSize ?? Math.min(trainContext, 2048);
  const tokens = header.metadata['tokenizer.ggml.tokens'];
  const vocabulary = tokens?.type === 'array' ? tokens.value.length : 0;
  // node-llama-cpp reads "no top-k" as top-k over the whole vocabulary, which sorts the candidates
  // (llama-server's 0 leaves them unsorted): the same here, so a seed samples the same tokens in both.
  const topK = (requested: number | undefined) =>
    requested && requested > 0 ? Math.min(requested, vocabulary || requested) : vocabulary;
  const [sha256, devices] = await Promise.all([
    options.sha256 ?? fileSha256(options.modelPath),
    options.gpu ? listDevices(options.binary) : [],
  ]);
  const server = new LlamaServerProcess({
    binary: options.binary,
    modelPath: options.modelPath,
    slots: capacity,
    contextSize,
    gpuLayers: options.gpu ? 999 : 0,
    ...(options.threads ? { threads: options.threads } : {}),
    startTimeoutMs: options.startTimeoutMs ?? 120_000,
    healthIntervalMs: options.healthIntervalMs,
    healthFailures: options.healthFailures,
    restartDelayMs: options.restartDelayMs,
    onEvent: options.onEvent,
    onLog: options.onLog,
  });
  await server.start();
  const queueTimeoutMs = options.queueTimeoutMs ?? 30_000;
  const restartWaitMs = Math.min(options.restartWaitMs ?? 5000, queueTimeoutMs);
  const slots = new SequencePool(
    Array.from({ length: capacity }, (_, slot) => slot),
    { queueLimit: options.queueLimit ?? 4 * capacity, queueTimeoutMs },
  );
  const running = new Set<Promise<unknown>>();
  let tokensPerSecond = 0;
  let closing: Promise<void> | null = null;

  const generate = async (request: GenerationRequest, onToken: (token: GeneratedToken) => void) => {
    const prompt =
      'text' in request.prompt
        ? request.prompt.text
        : (
            (await post(server.url, '/apply-template', { messages: request.prompt.messages })) as {
              prompt: string;
            }
          ).prompt;
    const response = await httpSend(new URL('/completion', server.url), {
      accept: 'text/event-stream',
      signal: request.signal ?? new AbortController().signal,
      body: JSON.stringify({
        prompt,
        n_predict: request.maxTokens,
        temperature: request.temperature,
        top_p: request.topP ?? 1,
        top_k: topK(request.topK),
        min_p: 0,
        ...(request.seed !== undefined ? { seed: request.seed } : {}),
        ...(request.stop?.length ? { stop: request.stop } : {}),
        n_probs: request.logprobs ?? 0,
        post_sampling_probs: false,
        return_tokens: true,
        cache_prompt: true,
        stream: true,
      }),
    }).catch((error: Error) => {
      throw engineError('ENGINE_UNAVAILABLE', { reason: `llama-server: ${fetchFailure(error)}` });
    });
    if (response.status !== 200) {
      const text = (await readAll(response.body)).toString('utf8');
      if (response.status === 400 && /context|exceed/i.test(text))
        throw engineError('PROMPT_TOO_LONG', { contextLength: contextSize, reason: text });
      throw engineError('GENERATION_FAILED', { status: response.status, reason: text.slice(0, 500) });
    }
    let last: ServerChunk | undefined;
    let completionTokens = 0;
    let firstAt = 0;
    const parser = createParser({
      onEvent(event) {
        const chunk = JSON.parse(event.data) as ServerChunk;
        if (chunk.error) throw engineError('GENERATION_FAILED', { reason: chunk.error.message });
        if (chunk.stop) {
          last = chunk;
          return;
        }
        const probabilities = chunk.completion_probabilities ?? [];
        const count = Math.max(chunk.tokens?.length ?? 0, probabilities.length, chunk.content ? 1 : 0);
        for (let i = 0; i < count; i++) {
          const probability = probabilities[i];
          const text = i === count - 1 ? (chunk.content ?? '') : '';
          onToken({
            text,
            piece: probability?.token ?? text,
            bytes: probability?.bytes ?? [...Buffer.from(text)],
            ...(probability && request.logprobs !== undefined
              ? {
                  logprob: probability.logprob,
                  top: (probability.top_logprobs ?? []).map((top) => ({
                    text: top.token,
                    logprob: top.logprob,
                    bytes: top.bytes,
                  })),
                }
              : {}),
          });
          completionTokens++;
          if (firstAt === 0) firstAt = performance.now();
        }
      },
    });
    const decoder = new TextDecoder();
    try {
      for (let part = await response.body.read(); part !== undefined; part = await response.body.read())
        parser.feed(decoder.decode(part, { stream: true }));
    } catch (error) {
      response.body.cancel();
      if (error instanceof AppError) throw error;
      throw engineError('GENERATION_FAILED', { reason: `llama-server: ${(error as Error).message}` });
    }
    if (completionTokens > 1) {
      const speed = ((completionTokens - 1) * 1000) / (performance.now() - firstAt);
      tokensPerSecond =
        tokensPerSecond === 0 ? speed : tokensPerSecond + speedSmoothing * (speed - tokensPerSecond);
    }
    const result: GenerationResult = {
      finishReason: last?.stop_type === 'limit' ? 'length' : 'stop',
      promptTokens: last?.tokens_evaluated ?? 0,
      completionTokens: last?.tokens_predicted ?? completionTokens,
    };
    return result;
  };

  return {
    model: {
      id: options.modelId ?? basename(options.modelPath).replace(/\.gguf$/i, ''),
      path: options.modelPath,
      sha256,
      contextLength: contextSize,
      parameters: header.tensors.reduce((sum, tensor) => sum + tensor.shape.reduce((a, b) => a * b, 1), 0),
      trainContextLength: trainContext,
    },
    stats(): EngineStats {
      return {
        capacity,
        inFlight: slots.inUse,
        queued: slots.queued,
        tokensPerSecond,
        gpu: devices.length > 0 ? devices : null,
        backend: 'llama-server',
        draining: closing !== null,
        ready: closing === null && server.isHealthy,
      };
    },
    async generate(request, onToken) {
      if (closing) throw engineError('ENGINE_CLOSED');
      const slot = await slots.acquire(request.signal);
      if (slot === null) return { finishReason: 'cancelled', promptTokens: 0, completionTokens: 0 };
      const work = (async () => {
        try {
          await server.whenReady(restartWaitMs, request.signal);
          return await generate(request, onToken);
        } catch (error) {
          if (request.signal?.aborted)
            return { finishReason: 'cancelled' as const, promptTokens: 0, completionTokens: 0 };
          throw error;
        } finally {
          slots.release(slot);
        }
      })();
      running.add(work);
      try {
        return await work;
      } finally {
        running.delete(work);
      }
    },
    close(timeoutMs = 30_000) {
      closing ??= (async () => {
        slots.close();
        await Promise.race([
          Promise.allSettled([...running]),
          new Promise((done) => setTimeout(done, timeoutMs).unref()),
        ]);
        await server.stop();
      })();
      return closing;
    },
  };
}

async function post(base: string, path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).catch((error: Error) => {
    throw engineError('ENGINE_UNAVAILABLE', { reason: `llama-server: ${fetchFailure(error)}` });
  });
  if (!response.ok)
    throw engineError('GENERATION_FAILED', { path, status: response.status, reason: await response.text() });
  return response.json();
}
