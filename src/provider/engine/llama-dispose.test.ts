import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { getLlama } from 'node-llama-cpp';
import { afterAll, describe, expect, it } from 'vitest';
import { randomModelPresets, writeRandomModel } from '../gguf/index.ts';
import { createLlamaEngine } from './llama-engine.ts';

/**
 * node-llama-cpp 3.22.1 kept a failed model load's (and a failed context's) hold on its parent, so
 * disposing the parent waited forever once the failed object had been garbage collected: a provider
 * that failed to load a model, or whose context creation retried smaller sizes, could hang on
 * shutdown. `patches/node-llama-cpp+3.22.1.patch` (applied by `postinstall`) releases the hold.
 * These tests collect the garbage on purpose, which is what made the hang appear only sometimes.
 */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const directory = mkdtempSync(join(tmpdir(), 'parley-dispose-'));
const modelPath = join(directory, 'tiny.gguf');
writeRandomModel(modelPath, { ...randomModelPresets.tiny, seed: 1 });
afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function collectAll() {
  for (let round = 0; round < 3; round++) {
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Resolves to 'hung' when `dispose` has not settled within the wait: a hang, not a slow dispose. */
function settles(dispose: Promise<void>, waitMs = 10_000) {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), waitMs);
  });
  return Promise.race([dispose.then(() => 'disposed' as const), hung]).finally(() => clearTimeout(timer));
}

describe('disposing llama.cpp after a failure', () => {
  it('disposes a shared binding after an engine failed to load a truncated model on it', async () => {
    const llama = await getLlama({ build: 'never', gpu: false });
    const truncated = join(directory, 'truncated.gguf');
    writeFileSync(truncated, readFileSync(modelPath).subarray(0, 100_000));
    await expect(createLlamaEngine({ modelPath: truncated, llama })).rejects.toMatchObject({
      code: 'MODEL_LOAD_FAILED',
    });
    await collectAll();
    expect(await settles(llama.dispose())).toBe('disposed');
  });

  it('disposes a model after a context failed to be created on it', async () => {
    const llama = await getLlama({ build: 'never', gpu: false });
    const model = await llama.loadModel({ modelPath });
    // llama.cpp refuses more than 256 sequences when it creates the context, after node-llama-cpp has
    // made the context object: as when a GPU runs short of memory past node-llama-cpp's estimate.
    await expect(
      model.createContext({ contextSize: 512, sequences: 300, failedCreationRemedy: false }),
    ).rejects.toThrow(/Failed to create context/);
    await collectAll();
    expect(await settles(model.dispose())).toBe('disposed');
    expect(await settles(llama.dispose())).toBe('disposed');
  });
});
