import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import {
  getLlama,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaModel,
  type Token,
} from 'node-llama-cpp';
import { AppError, type Clock, cryptoRng, type Rng, systemClock } from '../../shared/index.ts';
import { engineError } from './errors.ts';
import { fileSha256 } from './file-sha256.ts';
import { type GenerationOutcome, runGeneration } from './generation.ts';
import { promptTokenizer } from './prompt.ts';
import { SequencePool } from './sequence-pool.ts';
import { tokenBytesReader } from './token-bytes.ts';
import type { EngineModel, EngineStats, GenerationRequest, InferenceEngine } from './types.ts';

export type GpuOption = 'auto' | false | 'cuda' | 'vulkan' | 'metal';

/**
 * Which llama.cpp binding to load. `prebuilt`: the binaries that come with node-llama-cpp (or a local
 * build made for the same options). `lastBuild`: the one `node-llama-cpp source download` compiled last
 * on this machine, such as a CUDA build for a GPU the prebuilt binaries do not serve; its GPU type is
 * the build's own, so `gpu` is ignored.
 */
export type LlamaBuild = 'prebuilt' | 'lastBuild';

export interface LlamaEngineOptions {
  modelPath: string;
  /** The name clients ask for; the file name without `.gguf` by default. */
  modelId?: string;
  /** Computed from the file when absent. */
  sha256?: string;
  /** Generations that run at once, batched together by llama.cpp. Default 4. */
  capacity?: number;
  /** Tokens per sequence, prompt and completion together. Default: the training context, at most 2048. */
  contextSize?: number;
  /** Requests that may wait for a sequence. Default 4 × capacity. */
  queueLimit?: number;
  /** How long a request may wait for a sequence. Default 30 s. */
  queueTimeoutMs?: number;
  /** Ignored when `llama` is given. */
  gpu?: GpuOption;
  /** Ignored when `llama` is given. Default: PARLEY_LLAMA_BUILD from the environment, else `prebuilt`. */
  build?: LlamaBuild;
  /** A llama.cpp binding to share (`getLlama` takes about a second); the engine leaves it open on close. */
  llama?: Llama;
  /** CPU threads for decoding. Default: one per math core, less one left to Node. */
  threads?: number;
  clock?: Clock;
  /** Draws the seed of sampled requests that bring none. */
  rng?: Rng;
}

const speedSmoothing = 0.3;

/**
 * node-llama-cpp in this process behind `InferenceEngine`: one model, one context with `capacity`
 * sequences (llama.cpp decodes the tokens of all active sequences in one batch: continuous batching),
 * and a first-in, first-out queue for the requests beyond them.
 */
export async function createLlamaEngine(options: LlamaEngineOptions): Promise<InferenceEngine> {
  const capacity = options.capacity ?? 4;
  const clock = options.clock ?? systemClock;
  const rng = options.rng ?? cryptoRng;
  const [loading, hashing] = await Promise.allSettled([
    load(options, capacity),
    options.sha256 ?? fileSha256(options.modelPath),
  ]);
  if (loading.status === 'rejected') throw loading.reason;
  const { llama, model, context, gpu } = loading.value;
  if (hashing.status === 'rejected') {
    await (options.llama ? model.dispose() : llama.dispose());
    throw engineError('MODEL_LOAD_FAILED', {
      modelPath: options.modelPath,
      reason: `could not read the file: ${(hashing.reason as Error).message}`,
    });
  }
  const sha256 = hashing.value;
  const sequences = Array.from({ length: capacity }, () =>
    context.getSequence({
      // Generations are capped to fit, so a shift would be a bug; fail loudly rather than forget the prompt.
      contextShift: {
        strategy: () => {
          throw new Error('the context is full');
        },
      },
    }),
  );
  const pool = new SequencePool<LlamaContextSequence>(sequences, {
    queueLimit: options.queueLimit ?? 4 * capacity,
    queueTimeoutMs: options.queueTimeoutMs ?? 30_000,
  });
  const tokenize = promptTokenizer(model);
  const bytesOf = tokenBytesReader(model);
  const tokenText = { bytes: bytesOf, piece: (token: Token) => model.detokenize([token]) };
  const contextLength = context.contextSize;
  const engineModel: EngineModel = {
    id: options.modelId ?? basename(options.modelPath).replace(/\.gguf$/i, ''),
    path: options.modelPath,
    sha256,
    contextLength,
    parameters: model.fileInsights.totalParameters,
    trainContextLength: model.trainContextSize,
  };
  const running = new Set<{ controller: AbortController; done: Promise<void> }>();
  let tokensPerSecond = 0;
  let closing: Promise<void> | null = null;

  const recordSpeed = ({ completionTokens, firstTokenAt, lastTokenAt }: GenerationOutcome) => {
    if (completionTokens < 2 || firstTokenAt === null || lastTokenAt === null) return;
    const elapsedMs = lastTokenAt - firstTokenAt;
    if (elapsedMs <= 0) return;
    const speed = ((completionTokens - 1) * 1000) / elapsedMs;
    tokensPerSecond =
      tokensPerSecond === 0 ? speed : tokensPerSecond + speedSmoothing * (speed - tokensPerSecond);
  };

  const engine: InferenceEngine = {
    model: engineModel,

    stats(): EngineStats {
      return {
        capacity,
        inFlight: pool.inUse,
        queued: pool.queued,
        tokensPerSecond,
        gpu,
        backend: llama.gpu === false ? 'cpu' : llama.gpu,
        draining: closing !== null,
        ready: closing === null,
      };
    },

    async generate(request: GenerationRequest, onToken) {
      if (closing) throw engineError('ENGINE_CLOSED');
      const prompt = tokenize(request.prompt);
      const space = contextLength - prompt.length;
      if (space < 1) {
        throw engineError('PROMPT_TOO_LONG', { promptTokens: prompt.length, contextLength });
      }
      const controller = new AbortController();
      const signal = request.signal
        ? AbortSignal.any([request.signal, controller.signal])
        : controller.signal;
      const sequence = await pool.acquire(signal);
      const promptTokens = prompt.length;
      if (!sequence) return { finishReason: 'cancelled', promptTokens, completionTokens: 0 };
      const plan = {
        prompt,
        maxTokens: Math.min(request.maxTokens, space),
        temperature: request.temperature,
        // OpenAI's defaults: no top-k cut, nucleus off; node-llama-cpp's own are 40 and 0.95.
        topK: request.topK ?? 0,
        topP: request.topP ?? 1,
        // llama.cpp takes a 32-bit seed; OpenAI clients may send any integer.
        seed:
          request.seed === undefined ? new DataView(rng.bytes(4).buffer).getUint32(0) : request.seed >>> 0,
        stop: request.stop ?? [],
        logprobs: request.logprobs,
        signal,
      };
      // `close` waits for `done`, which settles only once the sequence is cleared and back in the pool.
      let settle = () => {};
      const entry = { controller, done: new Promise<void>((resolve) => (settle = resolve)) };
      running.add(entry);
      try {
        const outcome = await runGeneration(sequence, plan, tokenText, onToken, () => clock.now());
        recordSpeed(outcome);
        return {
          finishReason: outcome.finishReason,
          promptTokens,
          completionTokens: outcome.completionTokens,
        };
      } catch (error) {
        if (error instanceof AppError) throw error;
        throw engineError('GENERATION_FAILED', { reason: (error as Error).message });
      } finally {
        await sequence.clearHistory().catch(() => {});
        pool.release(sequence);
        running.delete(entry);
        settle();
      }
    },

    close(timeoutMs = 30_000) {
      closing ??= (async () => {
        pool.close();
        const allDone = () => Promise.all([...running].map((entry) => entry.done));
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), timeoutMs);
        });
        if ((await Promise.race([allDone(), timedOut])) === 'timeout') {
          for (const entry of running) entry.controller.abort();
          await allDone();
        }
        clearTimeout(timer);
        await context.dispose();
        await model.dispose();
        if (!options.llama) await llama.dispose();
      })();
      return closing;
    },
  };
  return engine;
}

interface Loaded {
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  gpu: EngineStats['gpu'];
}

async function load(options: LlamaEngineOptions, capacity: number): Promise<Loaded> {
  let llama: Llama | undefined = options.llama;
  let model: LlamaModel | undefined;
  try {
    llama ??= await loadLlamaBinding(options);
    model = await llama.loadModel({ modelPath: options.modelPath });
    const contextSize = options.contextSize ?? Math.min(model.trainContextSize, 2048);
    const context = await model.createContext({
      sequences: capacity,
      contextSize,
      threads: options.threads ?? defaultThreads(llama),
    });
    return { llama, model, context, gpu: await gpuDevices(llama) };
  } catch (error) {
    if (options.llama) await model?.dispose().catch(() => {});
    else await llama?.dispose().catch(() => {});
    throw engineError('MODEL_LOAD_FAILED', {
      modelPath: options.modelPath,
      reason: (error as Error).message,
    });
  }
}

/**
 * The llama.cpp binding. `prebuilt` never compiles: a provider does not build llama.cpp at run time.
 * `lastBuild` loads an existing build; when that one does not load, node-llama-cpp falls back to its
 * default lookup, which `skipDownload` keeps from fetching llama.cpp's source to compile (it could
 * still compile a source tree already cloned there, as `source download` leaves one).
 */
export async function loadLlamaBinding(
  options: { gpu?: GpuOption; build?: LlamaBuild } = {},
): Promise<Llama> {
  const build = options.build ?? llamaBuildFromEnvironment(process.env.PARLEY_LLAMA_BUILD);
  if (build === 'prebuilt') return getLlama({ build: 'never', gpu: options.gpu ?? 'auto' });
  const llama = await getLlama('lastBuild', { skipDownload: true, progressLogs: false });
  if (llama.buildType !== 'localBuild') {
    await llama.dispose();
    throw new Error('PARLEY_LLAMA_BUILD=lastBuild, but node-llama-cpp has no local build to load');
  }
  return llama;
}

function llamaBuildFromEnvironment(value: string | undefined): LlamaBuild {
  if (value === undefined || value === '' || value === 'prebuilt') return 'prebuilt';
  if (value === 'lastBuild') return 'lastBuild';
  throw new Error(`PARLEY_LLAMA_BUILD takes prebuilt or lastBuild, not ${JSON.stringify(value)}`);
}

/**
 * One thread per math core, less one core left to Node (HTTP, JSON, streaming). node-llama-cpp's own
 * default on a CPU is at least 4 threads; on a 2-core machine llama.cpp's spinning threads then fight
 * for the cores and decode 30 to 100 times slower than with one thread.
 */
function defaultThreads(llama: Llama): number {
  return Math.max(1, Math.min(llama.cpuMathCores, availableParallelism() - 1));
}

/** The devices and their memory, read once at load; llama.cpp reports the total over all devices. */
async function gpuDevices(llama: Llama): Promise<EngineStats['gpu']> {
  if (llama.gpu === false) return null;
  const [names, vram] = await Promise.all([llama.getGpuDeviceNames(), llama.getVramState()]);
  return names.map((name) => ({ name, vramBytes: Math.floor(vram.total / Math.max(1, names.length)) }));
}
