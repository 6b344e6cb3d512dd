import type { Llama } from 'node-llama-cpp';
import { createLlamaEngine, type GpuOption } from '../../src/provider/engine/index.ts';
import { LlamaServerProcess } from '../../src/provider/engine/llama-server-process.ts';
import { prompt, streamLlamaServerCompletion } from './measure.ts';
import type { Backend } from './settings.ts';

export interface DirectOptions {
  backend: Backend;
  modelPath: string;
  /** Parallel sequences (slots): the largest stream count. */
  capacity: number;
  /** Tokens per sequence, as the engines default to: the training context, at most 2048. */
  contextSize: number;
  gpu: 'auto' | 'cpu' | 'cuda' | 'vulkan' | 'metal';
  threads: number | undefined;
  llamaServerBinary: string | undefined;
  /** The node-llama-cpp binding, shared with the settings sweep. */
  llama: Llama | undefined;
}

/** The baseline (a): the backend with no Parley code between it and the caller. */
export interface DirectBackend {
  /** One greedy completion of `tokens` new tokens; resolves to the tokens generated. */
  generate(tokens: number): Promise<number>;
  settings: Record<string, unknown>;
  close(): Promise<void>;
}

export function startDirect(options: DirectOptions): Promise<DirectBackend> {
  return options.backend === 'llama-server' ? startLlamaServer(options) : startInProcess(options);
}

/** node-llama-cpp in this process, through the same engine the provider runs (one context, N sequences). */
async function startInProcess(options: DirectOptions): Promise<DirectBackend> {
  const engine = await createLlamaEngine({
    modelPath: options.modelPath,
    capacity: options.capacity,
    contextSize: options.contextSize,
    gpu: (options.gpu === 'cpu' ? false : options.gpu) as GpuOption,
    ...(options.llama ? { llama: options.llama } : {}),
    ...(options.threads ? { threads: options.threads } : {}),
  });
  const stats = engine.stats();
  return {
    generate: async (tokens) =>
      (await engine.generate({ prompt: { text: prompt }, maxTokens: tokens, temperature: 0 }, () => {}))
        .completionTokens,
    settings: {
      backend: stats.backend,
      gpu: stats.gpu,
      sequences: stats.capacity,
      contextSize: engine.model.contextLength,
    },
    close: () => engine.close(),
  };
}

/** A llama-server process started with the arguments the llama-server engine uses, over HTTP. */
async function startLlamaServer(options: DirectOptions): Promise<DirectBackend> {
  const gpuLayers = options.gpu === 'cpu' ? 0 : 999;
  const server = new LlamaServerProcess({
    binary: options.llamaServerBinary as string,
    modelPath: options.modelPath,
    slots: options.capacity,
    contextSize: options.contextSize,
    gpuLayers,
    ...(options.threads ? { threads: options.threads } : {}),
    startTimeoutMs: 300_000,
  });
  await server.start();
  return {
    generate: (tokens) => streamLlamaServerCompletion(server.url, tokens),
    settings: {
      backend: 'llama-server',
      slots: options.capacity,
      contextSize: options.contextSize,
      gpuLayers,
      binary: options.llamaServerBinary,
    },
    close: () => server.stop(),
  };
}
