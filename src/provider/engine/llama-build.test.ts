import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { randomModelPresets, writeRandomModel } from '../gguf/index.ts';
import { createLlamaEngine } from './llama-engine.ts';

/**
 * PARLEY_LLAMA_BUILD picks the node-llama-cpp binding. In a file of its own: loading and disposing a
 * second binding in a process frees llama.cpp's backend for every binding there.
 */
const directory = mkdtempSync(join(tmpdir(), 'parley-llama-build-'));
const modelPath = join(directory, 'tiny.gguf');
writeRandomModel(modelPath, { ...randomModelPresets.tiny, seed: 1 });
const hasLocalBuild = existsSync(
  fileURLToPath(new URL('../../../node_modules/node-llama-cpp/llama/lastBuild.json', import.meta.url)),
);

afterEach(() => {
  vi.unstubAllEnvs();
});

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

describe('PARLEY_LLAMA_BUILD', () => {
  it('names a known build, or the provider does not start', async () => {
    vi.stubEnv('PARLEY_LLAMA_BUILD', 'latest');
    await expect(createLlamaEngine({ modelPath })).rejects.toMatchObject({
      code: 'MODEL_LOAD_FAILED',
      details: { reason: expect.stringContaining('PARLEY_LLAMA_BUILD takes prebuilt or lastBuild') },
    });
  });

  it.skipIf(hasLocalBuild)('lastBuild without a local build fails at once instead of compiling', async () => {
    vi.stubEnv('PARLEY_LLAMA_BUILD', 'lastBuild');
    await expect(createLlamaEngine({ modelPath, gpu: false })).rejects.toMatchObject({
      code: 'MODEL_LOAD_FAILED',
      details: { reason: expect.stringContaining('no local build') },
    });
  });
});
