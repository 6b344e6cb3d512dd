import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLlama, type Llama } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../../test/support/until.ts';
import { ManualClock } from '../../shared/index.ts';
import { providerApp } from '../api/http.ts';
import { randomModelPresets, writeRandomModel } from '../gguf/index.ts';
import { createLlamaEngine } from './llama-engine.ts';
import { createLlamaServerEngine } from './llama-server-engine.ts';
import type { GeneratedToken, GenerationRequest, InferenceEngine } from './types.ts';

/**
 * The llama-server backend against the in-process one on the same generated model. It needs a
 * `llama-server` binary built from the llama.cpp source node-llama-cpp ships (about 15 minutes on
 * two cores; CI builds it with scripts/build-llama-server.sh): PARLEY_LLAMA_SERVER_BIN points at it.
 */
const binary = process.env.PARLEY_LLAMA_SERVER_BIN;
// Set but wrong (a failed build) fails these tests rather than skipping them.
const available = Boolean(binary);

const directory = mkdtempSync(join(tmpdir(), 'parley-llama-server-'));
const modelPath = join(directory, 'tiny.gguf');
let llama: Llama;
let server: InferenceEngine;
let inProcess: InferenceEngine;

beforeAll(async () => {
  if (!available) return;
  writeRandomModel(modelPath, { ...randomModelPresets.tiny, seed: 1 });
  llama = await getLlama({ build: 'never', gpu: false });
  [server, inProcess] = await Promise.all([
    createLlamaServerEngine({
      binary: binary as string,
      modelPath,
      capacity: 2,
      threads: 1,
      contextSize: 512,
    }),
    createLlamaEngine({ modelPath, llama, capacity: 1, threads: 1 }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([server?.close(), inProcess?.close()]);
  await llama?.dispose();
  rmSync(directory, { recursive: true, force: true });
});

const prompt = { text: 'The morning train' };

async function run(target: InferenceEngine, request: Partial<GenerationRequest>) {
  const tokens: GeneratedToken[] = [];
  const result = await target.generate({ prompt, maxTokens: 16, temperature: 0, ...request }, (token) =>
    tokens.push(token),
  );
  return { ...result, tokens, text: tokens.map((token) => token.text).join('') };
}

describe.skipIf(!available)('createLlamaServerEngine (PARLEY_LLAMA_SERVER_BIN)', () => {
  it('serves the same model, hash and greedy text as the in-process engine', async () => {
    expect(server.model.sha256).toBe(inProcess.model.sha256);
    expect(server.model.parameters).toBe(inProcess.model.parameters);
    const viaServer = await run(server, {});
    const viaNode = await run(inProcess, {});
    expect(viaServer.finishReason).toBe('length');
    expect(viaServer.completionTokens).toBe(16);
    expect(viaServer.text).toBe(viaNode.text);
  });

  it('samples the same tokens as the in-process engine for the same seed, with and without top-k/top-p', async () => {
    for (const sampling of [
      { temperature: 0.8, seed: 42 },
      { temperature: 1, seed: 7, topP: 0.9 },
      { temperature: 0.8, seed: 3, topK: 5 },
    ]) {
      const [viaServer, viaNode] = [await run(server, sampling), await run(inProcess, sampling)];
      expect(viaServer.text, JSON.stringify(sampling)).toBe(viaNode.text);
    }
  });

  it('returns logprobs with the requested alternatives, and renders chat templates', async () => {
    const scored = await run(server, { logprobs: 3 });
    for (const token of scored.tokens) {
      expect(token.logprob).toBeLessThanOrEqual(0);
      expect(token.top).toHaveLength(3);
    }
    // The same chat renders to the same tokens (no BOS for a model that does not ask for one) and text.
    const chat = {
      prompt: {
        messages: [
          { role: 'system' as const, content: 'Be terse.' },
          { role: 'user' as const, content: 'hi' },
        ],
      },
    };
    const [viaServer, viaNode] = [await run(server, chat), await run(inProcess, chat)];
    expect(viaServer.completionTokens).toBe(16);
    expect([viaServer.promptTokens, viaServer.text]).toEqual([viaNode.promptTokens, viaNode.text]);
  });

  it('runs requests in parallel slots and cancels on abort', async () => {
    const results = await Promise.all([run(server, {}), run(server, {}), run(server, {})]);
    expect(new Set(results.map((result) => result.text)).size).toBe(1);
    const controller = new AbortController();
    let seen = 0;
    const cancelled = await server.generate(
      { prompt, maxTokens: 400, temperature: 0, signal: controller.signal },
      () => {
        if (++seen === 5) controller.abort();
      },
    );
    expect(cancelled.finishReason).toBe('cancelled');
    expect(server.stats()).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it('fails the stream of a server that dies, answers 503 while it restarts, and a request waits for the restart', async () => {
    const app = providerApp({ engine: server, clock: new ManualClock(Date.UTC(2026, 0, 1)) });
    const pid = newestServerPid();
    const before = await run(server, {});
    let seen = 0;
    const dying = server.generate({ prompt, maxTokens: 400, temperature: 0 }, () => {
      if (++seen === 3) process.kill(pid as number, 'SIGKILL');
    });
    await expect(dying).rejects.toMatchObject({ code: 'GENERATION_FAILED' });
    await until(() => !server.stats().ready);
    const health = await app.request('/healthz');
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'unavailable' });
    expect(server.stats()).toMatchObject({ inFlight: 0, ready: false });
    // Restarted after 1 s: within the 5 s a request waits.
    expect((await run(server, {})).text).toBe(before.text);
    expect((await app.request('/healthz')).status).toBe(200);
  }, 60_000);

  it('answers 503 ENGINE_UNAVAILABLE when the restart takes longer than a request may wait', async () => {
    const slow = await createLlamaServerEngine({
      binary: binary as string,
      modelPath,
      capacity: 1,
      threads: 1,
      contextSize: 512,
      restartDelayMs: 20_000,
      restartWaitMs: 100,
    });
    try {
      process.kill(newestServerPid(), 'SIGKILL');
      await until(() => !slow.stats().ready);
      await expect(run(slow, {})).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE', status: 503 });
      expect(slow.stats()).toMatchObject({ inFlight: 0, queued: 0 });
    } finally {
      await slow.close();
    }
  }, 60_000);
});

/** The llama-server this test process started last. */
function newestServerPid(): number {
  return Number(
    execFileSync('pgrep', ['-n', '-P', String(process.pid), '-f', 'llama-server'], {
      encoding: 'utf8',
    }).trim(),
  );
}
