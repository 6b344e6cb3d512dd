import { z } from 'zod';

/** The shape and storage of a generated llama model; `seed` picks the weights. */
export const randomModelOptionsSchema = z
  .object({
    seed: z.number().int().min(0).max(0xffffffff),
    name: z.string().min(1).default('parley-random-llama'),
    /** Storage of the 2-D weights; norm vectors are always F32. */
    weightType: z.enum(['F32', 'F16', 'Q8_0']),
    contextLength: z.number().int().positive(),
    embeddingLength: z.number().int().positive(),
    blockCount: z.number().int().positive(),
    feedForwardLength: z.number().int().positive(),
    headCount: z.number().int().positive(),
    headCountKv: z.number().int().positive(),
    rmsEpsilon: z.number().positive().default(1e-5),
    ropeFreqBase: z.number().positive().default(10_000),
  })
  .superRefine((options, context) => {
    const fail = (path: string, message: string) =>
      context.addIssue({ code: 'custom', path: [path], message });
    if (options.embeddingLength % options.headCount !== 0) {
      fail('headCount', 'embeddingLength must be a multiple of headCount');
    } else if ((options.embeddingLength / options.headCount) % 2 !== 0) {
      fail('headCount', 'the head dimension (embeddingLength / headCount) must be even for RoPE');
    }
    if (options.headCount % options.headCountKv !== 0) {
      fail('headCountKv', 'headCount must be a multiple of headCountKv');
    }
    if (options.weightType === 'Q8_0') {
      // Q8_0 rows are blocks of 32: every weight's inner dimension is embeddingLength or feedForwardLength.
      if (options.embeddingLength % 32 !== 0) fail('embeddingLength', 'Q8_0 needs a multiple of 32');
      if (options.feedForwardLength % 32 !== 0) fail('feedForwardLength', 'Q8_0 needs a multiple of 32');
    }
  });

export type RandomModelOptions = z.input<typeof randomModelOptionsSchema>;
export type ResolvedModelOptions = z.output<typeof randomModelOptionsSchema>;

export type ModelPresetName = 'tiny' | 'demo' | '200m-f16' | '1b-q8_0';

/** Ready-made shapes; add a seed: `writeRandomModel(path, { ...randomModelPresets.tiny, seed: 1 })`. */
export const randomModelPresets: Readonly<Record<ModelPresetName, Omit<RandomModelOptions, 'seed'>>> = {
  /** For tests: loads and generates in milliseconds on a small CPU. */
  tiny: {
    name: 'parley-tiny',
    weightType: 'F16',
    contextLength: 512,
    embeddingLength: 64,
    blockCount: 2,
    feedForwardLength: 128,
    headCount: 4,
    headCountKv: 2,
  },
  /** A few MB: quick on a CPU, large enough to see throughput. */
  demo: {
    name: 'parley-demo',
    weightType: 'Q8_0',
    contextLength: 2048,
    embeddingLength: 256,
    blockCount: 4,
    feedForwardLength: 768,
    headCount: 8,
    headCountKv: 4,
  },
  /** About 200M parameters in F16, for GPU benchmarks. */
  '200m-f16': {
    name: 'parley-200m',
    weightType: 'F16',
    contextLength: 4096,
    embeddingLength: 1024,
    blockCount: 12,
    feedForwardLength: 4096,
    headCount: 16,
    headCountKv: 16,
  },
  /** Llama-3.2-1B's block dimensions in Q8_0 (with this small vocabulary): about 1B parameters. */
  '1b-q8_0': {
    name: 'parley-1b',
    weightType: 'Q8_0',
    contextLength: 8192,
    embeddingLength: 2048,
    blockCount: 16,
    feedForwardLength: 8192,
    headCount: 32,
    headCountKv: 8,
    ropeFreqBase: 500_000,
  },
};
