import { z } from 'zod';
import type { ModelPresetName } from '../../src/provider/gguf/index.ts';

export const backends = ['node-llama-cpp', 'llama-server'] as const;
export type Backend = (typeof backends)[number];

const presets: [ModelPresetName, ...ModelPresetName[]] = ['tiny', 'demo', '200m-f16', '1b-q8_0'];
const commaList = () => z.string().transform((value) => value.split(',').map((item) => item.trim()));

const environmentSchema = z.object({
  BENCH_PRESETS: commaList()
    .default(['demo'])
    .pipe(z.array(z.enum(presets)).min(1)),
  BENCH_STREAMS: commaList()
    .default(['1', '4'])
    .pipe(z.array(z.coerce.number<string>().int().positive()).min(1)),
  BENCH_TOKENS: z.coerce.number().int().positive().default(128),
  BENCH_MIN_SECONDS: z.coerce.number().positive().default(1),
  BENCH_GPU: z.enum(['auto', 'cpu', 'cuda', 'vulkan', 'metal']).default('auto'),
  BENCH_BACKENDS: commaList()
    .pipe(z.array(z.enum(backends)))
    .optional(),
  BENCH_LLAMA_SERVER_BIN: z.string().optional(),
  BENCH_THREADS: z.coerce.number().int().positive().optional(),
  BENCH_MODEL_DIR: z.string().optional(),
  BENCH_RESULTS: z.string().optional(),
  BENCH_TUNE: z.enum(['0', '1']).default('0'),
});

export interface BenchSettings {
  presets: ModelPresetName[];
  /** Concurrent streams per row; the largest is every engine's capacity. */
  streams: number[];
  /** New tokens per stream. */
  tokens: number;
  /** Measured time per path and stream count at least: batches repeat, the paths taking turns. */
  minSeconds: number;
  gpu: 'auto' | 'cpu' | 'cuda' | 'vulkan' | 'metal';
  backends: Backend[];
  llamaServerBinary: string | undefined;
  threads: number | undefined;
  /** Where the generated models are kept (reused when present); a fresh temporary folder by default. */
  modelDir: string | undefined;
  /** A JSON-lines file every result is appended to, besides stdout. */
  resultsFile: string | undefined;
  /** Also sweep node-llama-cpp's own context settings at the largest stream count. */
  tune: boolean;
}

/**
 * The bench's settings, read once from the environment. Backends: node-llama-cpp always, and
 * llama-server when BENCH_LLAMA_SERVER_BIN names a binary; BENCH_BACKENDS picks among them.
 */
export function benchSettings(env: NodeJS.ProcessEnv): BenchSettings {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = environmentSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`bad bench settings: ${problems.join('; ')}`);
  }
  const values = parsed.data;
  const chosen =
    values.BENCH_BACKENDS ??
    (values.BENCH_LLAMA_SERVER_BIN
      ? (['llama-server', 'node-llama-cpp'] as const)
      : (['node-llama-cpp'] as const));
  if (chosen.includes('llama-server') && !values.BENCH_LLAMA_SERVER_BIN)
    throw new Error('bad bench settings: the llama-server backend needs BENCH_LLAMA_SERVER_BIN');
  return {
    presets: values.BENCH_PRESETS,
    streams: values.BENCH_STREAMS,
    tokens: values.BENCH_TOKENS,
    minSeconds: values.BENCH_MIN_SECONDS,
    gpu: values.BENCH_GPU,
    backends: [...chosen],
    llamaServerBinary: values.BENCH_LLAMA_SERVER_BIN,
    threads: values.BENCH_THREADS,
    modelDir: values.BENCH_MODEL_DIR,
    resultsFile: values.BENCH_RESULTS,
    tune: values.BENCH_TUNE === '1',
  };
}
