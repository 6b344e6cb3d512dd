import { once } from '../../shared/index.ts';
import { type RandomModelOptions, type ResolvedModelOptions, randomModelOptionsSchema } from './options.ts';
import { createWeightRandom } from './random.ts';
import type { GgmlType } from './tensor-encoding.ts';
import { buildVocabulary, tokenizerMetadata, type Vocabulary } from './tokenizer.ts';
import { type GgufMetadata, gguf } from './values.ts';
import { elementCount, type GgufTensor, writeGguf } from './writer.ts';

export interface RandomModel {
  readonly path: string;
  /** Hex SHA-256 of the whole file. */
  readonly sha256: string;
  readonly bytes: number;
  readonly parameters: number;
}

/** `general.file_type` (llama_ftype) for each weight type. */
const fileTypes: Readonly<Record<GgmlType, number>> = { F32: 0, F16: 1, Q8_0: 7 };

/** Values per chunk handed to the writer: large enough to amortise calls, small enough to stay in cache. */
const chunkValues = 1 << 16;

/** Learning the merges takes a tenth of a second; every model shares the one vocabulary. */
const fixtureVocabulary = once(() => buildVocabulary());

/**
 * Writes a llama-architecture GGUF model with seeded random weights. The same options give a
 * byte-identical file; data streams to disk, so a 1B-parameter model needs no more memory than a tiny one.
 */
export function writeRandomModel(path: string, options: RandomModelOptions): RandomModel {
  const resolved = randomModelOptionsSchema.parse(options);
  const vocabulary = fixtureVocabulary();
  const tensors = modelTensors(resolved, vocabulary);
  const { sha256, bytes } = writeGguf(path, { metadata: modelMetadata(resolved, vocabulary), tensors });
  const parameters = tensors.reduce((sum, tensor) => sum + elementCount(tensor.shape), 0);
  return { path, sha256, bytes, parameters };
}

function modelMetadata(options: ResolvedModelOptions, vocabulary: Vocabulary): GgufMetadata {
  return {
    'general.architecture': gguf.string('llama'),
    'general.name': gguf.string(options.name),
    'general.file_type': gguf.uint32(fileTypes[options.weightType]),
    ...(options.weightType === 'Q8_0' ? { 'general.quantization_version': gguf.uint32(2) } : {}),
    'llama.vocab_size': gguf.uint32(vocabulary.tokens.length),
    'llama.context_length': gguf.uint32(options.contextLength),
    'llama.embedding_length': gguf.uint32(options.embeddingLength),
    'llama.block_count': gguf.uint32(options.blockCount),
    'llama.feed_forward_length': gguf.uint32(options.feedForwardLength),
    'llama.attention.head_count': gguf.uint32(options.headCount),
    'llama.attention.head_count_kv': gguf.uint32(options.headCountKv),
    'llama.rope.dimension_count': gguf.uint32(options.embeddingLength / options.headCount),
    'llama.rope.freq_base': gguf.float32(options.ropeFreqBase),
    'llama.attention.layer_norm_rms_epsilon': gguf.float32(options.rmsEpsilon),
    ...tokenizerMetadata(vocabulary),
  };
}

function modelTensors(options: ResolvedModelOptions, vocabulary: Vocabulary): GgufTensor[] {
  const { seed, weightType: type, embeddingLength: embedding, feedForwardLength: feedForward } = options;
  const vocabularySize = vocabulary.tokens.length;
  const kvLength = (embedding / options.headCount) * options.headCountKv;
  const weight = (name: string, shape: [number, number], zeroRows: readonly number[] = []) =>
    randomTensor({ name, shape, type, seed, zeroRows });
  const blocks = Array.from({ length: options.blockCount }, (_, block) => {
    const prefix = `blk.${block}`;
    return [
      onesTensor(`${prefix}.attn_norm.weight`, embedding),
      weight(`${prefix}.attn_q.weight`, [embedding, embedding]),
      weight(`${prefix}.attn_k.weight`, [embedding, kvLength]),
      weight(`${prefix}.attn_v.weight`, [embedding, kvLength]),
      weight(`${prefix}.attn_output.weight`, [embedding, embedding]),
      onesTensor(`${prefix}.ffn_norm.weight`, embedding),
      weight(`${prefix}.ffn_gate.weight`, [embedding, feedForward]),
      weight(`${prefix}.ffn_up.weight`, [embedding, feedForward]),
      weight(`${prefix}.ffn_down.weight`, [feedForward, embedding]),
    ];
  });
  return [
    weight('token_embd.weight', [embedding, vocabularySize]),
    onesTensor('output_norm.weight', embedding),
    // Special tokens get zero logits, so a random model never ends a generation early.
    weight('output.weight', [embedding, vocabularySize], Object.values(vocabulary.specialTokenIds)),
    ...blocks.flat(),
  ];
}

interface RandomTensorSpec {
  readonly name: string;
  /** [inner (fan-in), rows]. */
  readonly shape: [number, number];
  readonly type: GgmlType;
  readonly seed: number;
  readonly zeroRows: readonly number[];
}

/**
 * Uniform weights with variance 1/fan-in (LeCun), so activations keep their scale through the layers and
 * outputs vary from token to token.
 */
function randomTensor({ name, shape, type, seed, zeroRows }: RandomTensorSpec): GgufTensor {
  const [rowLength, rowCount] = shape;
  const amplitude = Math.sqrt(3 / rowLength);
  const zeroed = new Set(zeroRows);
  return {
    name,
    shape,
    type,
    *values() {
      const random = createWeightRandom(seed, name);
      const rowsPerChunk = Math.max(1, Math.floor(chunkValues / rowLength));
      const buffer = new Float32Array(rowsPerChunk * rowLength);
      for (let firstRow = 0; firstRow < rowCount; firstRow += rowsPerChunk) {
        const rows = Math.min(rowsPerChunk, rowCount - firstRow);
        const chunk = buffer.subarray(0, rows * rowLength);
        random.fillUniform(chunk, amplitude);
        for (let row = firstRow; row < firstRow + rows; row++) {
          if (zeroed.has(row)) chunk.fill(0, (row - firstRow) * rowLength, (row - firstRow + 1) * rowLength);
        }
        yield chunk;
      }
    },
  };
}

/** RMS-norm scales of 1: the identity, which is what a freshly initialised model has. */
function onesTensor(name: string, length: number): GgufTensor {
  return { name, shape: [length], type: 'F32', values: () => [new Float32Array(length).fill(1)] };
}
