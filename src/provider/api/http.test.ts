import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/index.ts';
import { createLlamaEngine, type GenerationResult, type InferenceEngine } from '../engine/index.ts';
import { randomModelPresets, writeRandomModel } from '../gguf/index.ts';
import { type ProviderApp, providerApp } from './http.ts';

const directory = mkdtempSync(join(tmpdir(), 'parley-provider-api-'));
const clock = new ManualClock(Date.UTC(2026, 0, 1));
let engine: InferenceEngine;
/** One sequence and no queue: a second request is refused at once. */
let single: InferenceEngine;
/** Closed by the last test, to see the provider drain. */
let closing: InferenceEngine;
let app: ProviderApp;
let openai: OpenAI;

const clientFor = (target: ProviderApp, apiKey = 'unused') =>
  new OpenAI({
    apiKey,
    baseURL: 'http://provider.test/v1',
    maxRetries: 0,
    fetch: async (url, init) => target.request(String(url), init as RequestInit),
  });

beforeAll(async () => {
  const { path } = writeRandomModel(join(directory, 'tiny.gguf'), { ...randomModelPresets.tiny, seed: 1 });
  // Each engine loads its own llama.cpp binding here, as a provider node does.
  const options = { modelPath: path, modelId: 'parley-tiny', gpu: false as const, threads: 1 };
  [engine, single, closing] = await Promise.all([
    createLlamaEngine({ ...options, capacity: 2 }),
    createLlamaEngine({ ...options, capacity: 1, queueLimit: 0 }),
    createLlamaEngine({ ...options, capacity: 1 }),
  ]);
  app = providerApp({
    engine,
    clock,
    info: () => ({ download: { received: 10, total: 10, resumedFrom: 0 } }),
  });
  openai = clientFor(app);
});
afterAll(async () => {
  await Promise.all([engine?.close(), single?.close(), closing?.close()]);
  rmSync(directory, { recursive: true, force: true });
});

const messages = [
  { role: 'system' as const, content: 'You are terse.' },
  { role: 'user' as const, content: 'When does the morning train leave?' },
];
const greedy = { model: 'parley-tiny', messages, max_tokens: 12, temperature: 0 };

describe('providerApp', () => {
  it('reports health, the model and the provider info', async () => {
    const health = await app.request('/healthz');
    expect(await health.json()).toEqual({ status: 'ok', model: 'parley-tiny', inFlight: 0, queued: 0 });
    const models = [];
    for await (const model of openai.models.list()) models.push(model);
    expect(models).toEqual([
      { id: 'parley-tiny', object: 'model', created: clock.now() / 1000, owned_by: 'parley-provider' },
    ]);
    const info = await (await app.request('/v1/provider/info')).json();
    expect(info).toMatchObject({
      models: [{ id: 'parley-tiny', sha256: engine.model.sha256, contextLength: 512 }],
      gpu: null,
      capacity: 2,
      backend: 'cpu',
      download: { received: 10, total: 10 },
    });
    expect((await app.request('/openapi.json')).status).toBe(200);
  });

  it('answers a chat completion with the text, usage and finish reason', async () => {
    const completion = await openai.chat.completions.create(greedy);
    const choice = completion.choices[0];
    expect(completion).toMatchObject({ object: 'chat.completion', model: 'parley-tiny' });
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(choice?.message).toMatchObject({ role: 'assistant' });
    expect(choice?.message.content?.length).toBeGreaterThan(0);
    expect(choice?.finish_reason).toBe('length');
    expect(choice?.logprobs).toBeNull();
    expect(completion.usage?.completion_tokens).toBe(12);
    expect(completion.usage?.total_tokens).toBe((completion.usage?.prompt_tokens ?? 0) + 12);
  });

  it('streams one chunk per token whose text adds up to the non-streamed answer, then usage and [DONE]', async () => {
    const whole = await openai.chat.completions.create(greedy);
    const stream = await openai.chat.completions.create({
      ...greedy,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const tokenChunks = chunks.slice(0, -2);
    expect(tokenChunks).toHaveLength(12);
    expect(tokenChunks[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(tokenChunks[1]?.choices[0]?.delta.role).toBeUndefined();
    const text = tokenChunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe(whole.choices[0]?.message.content);
    expect(chunks.at(-2)?.choices[0]).toMatchObject({ delta: {}, finish_reason: 'length' });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: whole.usage });
  });

  it('returns chat logprobs in OpenAI’s shape, streamed and not', async () => {
    const completion = await openai.chat.completions.create({ ...greedy, logprobs: true, top_logprobs: 3 });
    const content = completion.choices[0]?.logprobs?.content ?? [];
    expect(content).toHaveLength(12);
    for (const entry of content) {
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(entry.top_logprobs).toHaveLength(3);
      expect(entry.top_logprobs[0]).toEqual({
        token: entry.token,
        logprob: entry.logprob,
        bytes: entry.bytes,
      });
      expect(Buffer.from(entry.bytes ?? []).toString('latin1').length).toBe(entry.bytes?.length);
    }
    const stream = await openai.chat.completions.create({
      ...greedy,
      logprobs: true,
      top_logprobs: 3,
      stream: true,
    });
    const streamed = [];
    for await (const chunk of stream) streamed.push(...(chunk.choices[0]?.logprobs?.content ?? []));
    expect(streamed).toEqual(content);
  });

  it('answers text completions with logprobs, streamed and not', async () => {
    const request = {
      model: 'parley-tiny',
      prompt: 'The morning train',
      max_tokens: 8,
      temperature: 0,
      logprobs: 2,
    };
    const completion = await openai.completions.create(request);
    const choice = completion.choices[0];
    expect(completion.object).toBe('text_completion');
    expect(completion.id).toMatch(/^cmpl-/);
    expect(choice?.finish_reason).toBe('length');
    const logprobs = choice?.logprobs;
    expect(logprobs?.tokens).toHaveLength(8);
    expect(logprobs?.token_logprobs?.every((logprob) => logprob <= 0)).toBe(true);
    expect(logprobs?.top_logprobs?.every((top) => Object.keys(top).length <= 2)).toBe(true);
    expect(logprobs?.text_offset?.[0]).toBe(0);
    expect(completion.usage?.completion_tokens).toBe(8);
    const stream = await openai.completions.create({ ...request, stream: true });
    let text = '';
    const tokens: string[] = [];
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? '';
      tokens.push(...(chunk.choices[0]?.logprobs?.tokens ?? []));
    }
    expect(text).toBe(choice?.text);
    expect(tokens).toEqual(logprobs?.tokens);
  });

  it('ends at a stop string without including it', async () => {
    const whole = (await openai.chat.completions.create(greedy)).choices[0]?.message.content ?? '';
    const stop = whole.slice(4, 6);
    const stopped = await openai.chat.completions.create({ ...greedy, stop });
    expect(stopped.choices[0]?.finish_reason).toBe('stop');
    expect(stopped.choices[0]?.message.content).toBe(whole.slice(0, whole.indexOf(stop)));
  });

  it('refuses another model, n = 2 and a missing API key in OpenAI’s error shape', async () => {
    const wrongModel = openai.chat.completions.create({ ...greedy, model: 'gpt-4o' });
    await expect(wrongModel).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(wrongModel).rejects.toMatchObject({ status: 404, code: 'MODEL_NOT_FOUND' });
    const twoChoices = openai.chat.completions.create({ ...greedy, n: 2 });
    await expect(twoChoices).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(twoChoices).rejects.toMatchObject({ code: 'VALIDATION_FAILED', param: 'n' });
    const topWithout = openai.chat.completions.create({ ...greedy, top_logprobs: 2 });
    await expect(topWithout).rejects.toMatchObject({ status: 400, param: 'top_logprobs' });
    // Tool calls and JSON mode are refused by name, never answered with free text.
    const withTools = openai.chat.completions.create({
      ...greedy,
      tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }],
    });
    await expect(withTools).rejects.toMatchObject({ status: 400, code: 'VALIDATION_FAILED', param: 'tools' });
    await expect(withTools).rejects.toThrow(/function calling/);
    const json = openai.chat.completions.create({ ...greedy, response_format: { type: 'json_object' } });
    await expect(json).rejects.toMatchObject({ status: 400, param: 'response_format.type' });
    const plain = await openai.chat.completions.create({
      ...greedy,
      tools: [],
      response_format: { type: 'text' },
    });
    expect(plain.usage?.completion_tokens).toBe(12);

    const guarded = providerApp({ engine, apiKey: 'provider-secret' });
    await expect(clientFor(guarded, 'wrong').chat.completions.create(greedy)).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
    const missing = await guarded.request('/v1/models');
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('PROVIDER_UNAUTHORIZED');
    expect((await guarded.request('/healthz')).status).toBe(200);
    const allowed = await clientFor(guarded, 'provider-secret').chat.completions.create(greedy);
    expect(allowed.usage?.completion_tokens).toBe(12);
  });

  it('answers 429 when every sequence is busy, and frees the sequence when a streaming client leaves', async () => {
    const results: GenerationResult[] = [];
    const recording: InferenceEngine = {
      model: single.model,
      stats: () => single.stats(),
      close: (timeoutMs) => single.close(timeoutMs),
      generate: async (request, onToken) => {
        const result = await single.generate(request, onToken);
        results.push(result);
        return result;
      },
    };
    const busyApp = providerApp({ engine: recording });
    const server = serve({ fetch: busyApp.fetch, hostname: '127.0.0.1', port: 0 }) as Server;
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const client = new OpenAI({
        apiKey: 'unused',
        baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
        maxRetries: 0,
      });
      const stream = await client.chat.completions.create({ ...greedy, max_tokens: 10_000, stream: true });
      let received = 0;
      for await (const _chunk of stream) {
        received += 1;
        if (received === 3) {
          const refused = client.chat.completions.create(greedy);
          await expect(refused).rejects.toBeInstanceOf(OpenAI.RateLimitError);
          await expect(refused).rejects.toMatchObject({ code: 'ENGINE_BUSY' });
          break; // leaves the stream: the client closes the connection
        }
      }
      const leftAt = Date.now();
      while (single.stats().inFlight > 0 && Date.now() - leftAt < 2000) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(single.stats().inFlight).toBe(0);
      expect(results[0]?.finishReason).toBe('cancelled');
      expect(results[0]?.completionTokens).toBeLessThan(100);
      const next = await client.chat.completions.create(greedy);
      expect(next.usage?.completion_tokens).toBe(12);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('reports draining once the engine closes', async () => {
    const closingApp = providerApp({ engine: closing });
    await closing.close();
    const health = await closingApp.request('/healthz');
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: 'draining' });
    const refused = await closingApp.request('/v1/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: closing.model.id, prompt: 'Hi' }),
    });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: unknown }).error).toMatchObject({
      code: 'ENGINE_CLOSED',
      type: 'server_error',
    });
  });
});
