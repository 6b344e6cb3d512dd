import {
  type Llama,
  LlamaCompletion,
  type LlamaContextOptions,
  type LlamaContextSequence,
} from 'node-llama-cpp';
import type { DecodeStats, probeDecodes } from './decode-probe.ts';
import { compareTokensPerSecond, prompt } from './measure.ts';

type ContextSettings = Pick<LlamaContextOptions, 'batchSize' | 'flashAttention' | 'batching'>;

/**
 * node-llama-cpp's own knobs for many streams in one process. `default` is what the engine uses;
 * the others change one thing each. Dispatch: llama.cpp decodes whatever tokens are queued when the
 * batch is dispatched, so dispatching later gathers more streams per decode.
 */
const variants: Record<string, ContextSettings> = {
  default: {},
  'flash-attention': { flashAttention: true },
  'dispatch-next-tick': { batching: { dispatchSchedule: (dispatch) => process.nextTick(dispatch) } },
  'dispatch-after-1ms': { batching: { dispatchSchedule: (dispatch) => setTimeout(dispatch, 1) } },
  'batch-size-2048': { batchSize: 2048 },
};

export interface TuningRow {
  settings: string;
  streams: number;
  tokPerS: number;
  /**
   * Where the time went, when the probe could see it: decode steps and sample calls with their mean
   * latency, and generated tokens per decode step (prompt steps counted too; near the stream count
   * when every step carries every stream). Many tokens per step with a sample latency that grows
   * with the streams means sampling, one native call per stream and token, is what caps the total.
   */
  native?: DecodeStats & { tokensPerDecode: number };
}

/**
 * Aggregate tokens/s of `streams` greedy completions on one context per variant, straight through
 * node-llama-cpp's `LlamaCompletion` (no Parley engine), to find what the in-process backend allows.
 */
export async function tuneNodeLlamaCpp(
  llama: Llama,
  modelPath: string,
  options: {
    streams: number;
    tokens: number;
    contextSize: number;
    threads: number | undefined;
    minSeconds: number;
    /** Installed on `llama` before this call (contexts made before it go unseen). */
    probe?: ReturnType<typeof probeDecodes>;
  },
): Promise<TuningRow[]> {
  const model = await llama.loadModel({ modelPath });
  const rows: TuningRow[] = [];
  try {
    for (const [settings, contextSettings] of Object.entries(variants)) {
      const context = await model.createContext({
        sequences: options.streams,
        contextSize: options.contextSize,
        ...(options.threads ? { threads: options.threads } : {}),
        ...contextSettings,
      });
      try {
        const sequences = Array.from({ length: options.streams }, () => context.getSequence());
        let generated = 0;
        const generate = async (stream: number) => {
          const sequence = sequences[stream] as LlamaContextSequence;
          await sequence.clearHistory();
          let count = 0;
          await new LlamaCompletion({ contextSequence: sequence }).generateCompletion(prompt, {
            maxTokens: options.tokens,
            temperature: 0,
            onToken: (tokens) => {
              count += tokens.length;
            },
          });
          generated += count;
          return count;
        };
        options.probe?.reset();
        const {
          tokPerS: { tokPerS },
        } = await compareTokensPerSecond({ tokPerS: generate }, options.streams, options.minSeconds);
        const stats = options.probe?.read();
        const native = stats && {
          ...stats,
          tokensPerDecode: stats.decodes === 0 ? 0 : Number((generated / stats.decodes).toFixed(2)),
        };
        rows.push({ settings, streams: options.streams, tokPerS, ...(native ? { native } : {}) });
      } finally {
        await context.dispose();
      }
    }
  } finally {
    await model.dispose();
  }
  return rows;
}
