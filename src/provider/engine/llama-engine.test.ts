import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLlama, type Llama } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomModelPresets, writeRandomModel } from '../gguf/index.ts';
import { createLlamaEngine } from './llama-engine.ts';
import { tokenBytesReader } from './token-bytes.ts';
import type { GeneratedToken, GenerationRequest, InferenceEngine } from './types.ts';

const directory = mkdtempSync(join(tmpdir(), 'parley-engine-'));
const modelPath = join(directory, 'tiny.gguf');
/** One llama.cpp binding for every engine here: `getLlama` takes about a second. */
let llama: Llama;
let engine: InferenceEngine;
/** One sequence, one waiter at most, a short wait: for the queue and cancellation tests. */
let single: InferenceEngine;

beforeAll(async () => {
  writeRandomModel(modelPath, { ...randomModelPresets.tiny, seed: 1 });
  llama = await getLlama({ build: 'never', gpu: false });
  [engine, single] = await Promise.all([
    createLlamaEngine({ modelPath, llama, capacity: 2, threads: 1 }),
    createLlamaEngine({ modelPath, llama, capacity: 1, queueLimit: 1, queueTimeoutMs: 50, threads: 1 }),
  ]);
});
afterAll(async () => {
  await Promise.all([engine?.close(), single?.close()]);
  await llama?.dispose();
  rmSync(directory, { recursive: true, force: true });
});

const chat = { messages: [{ role: 'user', content: 'Tell me about the morning train.' }] };

async function generate(target: InferenceEngine, request: Partial<GenerationRequest>) {
  const tokens: GeneratedToken[] = [];
  const result = await target.generate({ prompt: chat, maxTokens: 24, temperature: 0, ...request }, (token) =>
    tokens.push(token),
  );
  return { ...result, tokens, text: tokens.map((token) => token.text).join('') };
}

describe('createLlamaEngine', () => {
  it('describes the model it serves', () => {
    expect(engine.model).toMatchObject({
      id: 'tiny',
      path: modelPath,
      contextLength: 512,
      trainContextLength: 512,
    });
    expect(engine.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(engine.model.parameters).toBeGreaterThan(100_000);
    expect(engine.stats()).toMatchObject({ capacity: 2, inFlight: 0, queued: 0, gpu: null, backend: 'cpu' });
  });

  it('generates the same greedy tokens twice, up to the token cap', async () => {
    const first = await generate(engine, {});
    const second = await generate(engine, {});
    expect(first.finishReason).toBe('length');
    expect(first.completionTokens).toBe(24);
    expect(first.tokens).toHaveLength(24);
    expect(first.promptTokens).toBeGreaterThan(5);
    expect(first.text.length).toBeGreaterThan(0);
    expect(second.text).toBe(first.text);
  });

  it('samples the same tokens for the same seed, and others for another seed', async () => {
    const sampled = { temperature: 0.9, maxTokens: 32 };
    const first = await generate(engine, { ...sampled, seed: 42 });
    const again = await generate(engine, { ...sampled, seed: 42 });
    const other = await generate(engine, { ...sampled, seed: 43 });
    expect(again.tokens.map((token) => token.piece)).toEqual(first.tokens.map((token) => token.piece));
    expect(other.tokens.map((token) => token.piece)).not.toEqual(first.tokens.map((token) => token.piece));
  });

  it('reports each token with its logprob and the requested number of alternatives, best first', async () => {
    const { tokens } = await generate(engine, { logprobs: 3, maxTokens: 8 });
    for (const token of tokens) {
      expect(token.logprob).toBeLessThanOrEqual(0);
      expect(token.top).toHaveLength(3);
      const logprobs = token.top?.map((alternative) => alternative.logprob) ?? [];
      expect([...logprobs].sort((a, b) => b - a)).toEqual(logprobs);
      // Greedy picks the most likely token.
      expect(token.top?.[0]).toMatchObject({ text: token.piece, bytes: token.bytes });
      expect(token.logprob).toBeCloseTo(logprobs[0] ?? 0, 6);
    }
    const plain = await generate(engine, { maxTokens: 4 });
    expect(plain.tokens[0]).not.toHaveProperty('logprob');
    const onlyChosen = await generate(engine, { maxTokens: 4, logprobs: 0 });
    expect(onlyChosen.tokens[0]?.logprob).toBeLessThan(0);
    expect(onlyChosen.tokens[0]?.top).toBeUndefined();
  });

  it('ends before a stop string, even one that spans tokens, and leaves it out', async () => {
    const full = await generate(engine, { maxTokens: 24 });
    // A stop string that starts inside one token and ends inside the next.
    const cut = full.tokens.slice(0, 6).reduce((length, token) => length + token.text.length, 0);
    const stop = full.text.slice(cut - 1, cut + 1);
    const stopped = await generate(engine, { maxTokens: 24, stop: [stop] });
    expect(stopped.finishReason).toBe('stop');
    expect(stopped.text).toBe(full.text.slice(0, full.text.indexOf(stop)));
    expect(stopped.completionTokens).toBeLessThan(24);
  });

  it('caps a generation at the space left in the context', async () => {
    const result = await generate(engine, { prompt: { text: 'Hello' }, maxTokens: 10_000 });
    expect(result.finishReason).toBe('length');
    expect(result.promptTokens + result.completionTokens).toBe(engine.model.contextLength);
  });

  it('refuses a prompt that does not fit the context', async () => {
    const prompt = { text: 'the train was late again. '.repeat(200) };
    await expect(generate(engine, { prompt })).rejects.toMatchObject({
      code: 'PROMPT_TOO_LONG',
      status: 400,
    });
  });

  it('runs at most `capacity` generations at once and queues the others until all complete', async () => {
    let maxInFlight = 0;
    let maxQueued = 0;
    const results = await Promise.all(
      [1, 2, 3, 4].map((seed) =>
        engine.generate({ prompt: chat, maxTokens: 16, temperature: 0.8, seed }, () => {
          const { inFlight, queued } = engine.stats();
          maxInFlight = Math.max(maxInFlight, inFlight);
          maxQueued = Math.max(maxQueued, queued);
        }),
      ),
    );
    expect(results.every((result) => result.completionTokens > 0)).toBe(true);
    expect(maxInFlight).toBe(2);
    expect(maxQueued).toBeGreaterThan(0);
    expect(engine.stats()).toMatchObject({ inFlight: 0, queued: 0 });
    expect(engine.stats().tokensPerSecond).toBeGreaterThan(0);
  });

  it('answers ENGINE_BUSY beyond the queue limit and ENGINE_QUEUE_TIMEOUT after the wait', async () => {
    const controller = new AbortController();
    const long = generate(single, { maxTokens: 10_000, signal: controller.signal });
    const waiting = generate(single, {});
    await expect(generate(single, {})).rejects.toMatchObject({ code: 'ENGINE_BUSY', status: 429 });
    await expect(waiting).rejects.toMatchObject({ code: 'ENGINE_QUEUE_TIMEOUT', status: 503 });
    controller.abort();
    expect((await long).finishReason).toBe('cancelled');
  });

  it('frees the sequence of a cancelled generation at once for the next request', async () => {
    const controller = new AbortController();
    let seen = 0;
    const cancelled = await single.generate(
      { prompt: chat, maxTokens: 10_000, temperature: 0, signal: controller.signal },
      () => {
        seen += 1;
        if (seen === 5) controller.abort();
      },
    );
    expect(cancelled).toMatchObject({ finishReason: 'cancelled', completionTokens: 5 });
    expect(single.stats()).toMatchObject({ inFlight: 0, queued: 0 });
    const next = await generate(single, {});
    expect(next.finishReason).toBe('length');
    // The history was cleared: the same request gives the same tokens as on a fresh sequence.
    expect(next.text).toBe((await generate(engine, {})).text);
  });

  it('lets a waiting request leave the queue when its signal aborts', async () => {
    const controller = new AbortController();
    const first = new AbortController();
    const long = generate(single, { maxTokens: 10_000, signal: first.signal });
    const waiting = generate(single, { signal: controller.signal });
    controller.abort();
    expect(await waiting).toMatchObject({ finishReason: 'cancelled', completionTokens: 0 });
    expect(single.stats().queued).toBe(0);
    first.abort();
    await long;
  });

  it('reads the bytes of tokens that hold part of a character', async () => {
    const model = await llama.loadModel({ modelPath });
    try {
      const bytesOf = tokenBytesReader(model);
      const text = 'naïve € 日本 🚆';
      const tokens = model.tokenize(text);
      expect(tokens.some((token) => model.detokenize([token]).includes('\uFFFD'))).toBe(true);
      expect(Buffer.concat(tokens.map(bytesOf)).toString('utf8')).toBe(text);
    } finally {
      await model.dispose();
    }
  });

  it('finishes in-flight work on close, then refuses new requests', async () => {
    const closing = await createLlamaEngine({ modelPath, llama, capacity: 1, threads: 1, sha256: 'ab' });
    expect(closing.model.sha256).toBe('ab');
    const running = generate(closing, { maxTokens: 32 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const closed = closing.close();
    expect(closing.stats().draining).toBe(true);
    await expect(generate(closing, {})).rejects.toMatchObject({ code: 'ENGINE_CLOSED', status: 503 });
    expect((await running).finishReason).toBe('length');
    await closed;
    expect(llama.disposed).toBe(false);
  });

  it('fails with MODEL_LOAD_FAILED on a missing or truncated file', async () => {
    // An interrupted copy: the header reads well, the tensor data stops short.
    const notModel = join(directory, 'truncated.gguf');
    writeFileSync(notModel, readFileSync(modelPath).subarray(0, 100_000));
    for (const path of [join(directory, 'missing.gguf'), notModel]) {
      await expect(createLlamaEngine({ modelPath: path, llama })).rejects.toMatchObject({
        code: 'MODEL_LOAD_FAILED',
        status: 500,
        details: { modelPath: path },
      });
    }
    expect(llama.disposed).toBe(false);
  });
});
