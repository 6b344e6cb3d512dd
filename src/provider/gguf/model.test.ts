import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ChatMLChatWrapper,
  getLlama,
  type Llama,
  LlamaCompletion,
  type LlamaModel,
  resolveChatWrapper,
} from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RandomModel, writeRandomModel } from './model.ts';
import { randomModelPresets } from './options.ts';
import { readGgufHeader } from './reader.ts';
import { chatMlTemplate } from './tokenizer.ts';

/** The tiny preset with seed 1. Any change to the format, tokenizer or weights changes it, on purpose. */
const tinySeed1Sha256 = '5d3baeb96298ec9688a02d648ea5267fe3baff55a08db43bbed9cf7c6d8ab41f';

const directory = mkdtempSync(join(tmpdir(), 'parley-gguf-model-'));
let tiny: RandomModel;
let llama: Llama;
let model: LlamaModel;
beforeAll(async () => {
  tiny = writeRandomModel(join(directory, 'tiny.gguf'), { ...randomModelPresets.tiny, seed: 1 });
  llama = await getLlama({ build: 'never', gpu: false });
  model = await llama.loadModel({ modelPath: tiny.path });
});
afterAll(async () => {
  await llama?.dispose();
  rmSync(directory, { recursive: true, force: true });
});

async function greedyCompletion(loaded: LlamaModel, prompt: string) {
  const context = await loaded.createContext({ contextSize: 256, threads: 1 });
  try {
    const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
    return await completion.generateCompletionWithMeta(prompt, { maxTokens: 16, temperature: 0 });
  } finally {
    await context.dispose();
  }
}

describe('writeRandomModel', () => {
  it('writes the same bytes for the same seed and options, and other bytes for another seed', () => {
    expect(tiny.sha256).toBe(tinySeed1Sha256);
    const again = writeRandomModel(join(directory, 'again.gguf'), { ...randomModelPresets.tiny, seed: 1 });
    expect(again.sha256).toBe(tiny.sha256);
    const other = writeRandomModel(join(directory, 'other.gguf'), { ...randomModelPresets.tiny, seed: 2 });
    expect(other.sha256).not.toBe(tiny.sha256);
    expect(other.bytes).toBe(tiny.bytes);
  });

  it('writes llama metadata and tensors: F16 weights, F32 norms', () => {
    const header = readGgufHeader(tiny.path);
    expect(header.metadata['general.architecture']?.value).toBe('llama');
    expect(header.metadata['general.file_type']?.value).toBe(1);
    expect(header.metadata['llama.block_count']?.value).toBe(2);
    expect(header.metadata['llama.rope.dimension_count']?.value).toBe(16);
    expect(header.metadata['tokenizer.ggml.model']?.value).toBe('gpt2');
    expect(header.tensors).toHaveLength(3 + 2 * 9);
    expect(header.tensors.find((tensor) => tensor.name === 'blk.1.attn_k.weight')).toMatchObject({
      shape: [64, 32],
      type: 'F16',
    });
    expect(header.tensors.find((tensor) => tensor.name === 'blk.0.ffn_down.weight')?.shape).toEqual([
      128, 64,
    ]);
    expect(header.tensors.find((tensor) => tensor.name === 'output_norm.weight')?.type).toBe('F32');
    const parameters = header.tensors.reduce((sum, { shape }) => sum + shape.reduce((a, b) => a * b, 1), 0);
    expect(parameters).toBe(tiny.parameters);
  });

  it('zeroes the output rows of the special tokens, so they never win a greedy pick', () => {
    const header = readGgufHeader(tiny.path);
    const output = header.tensors.find((tensor) => tensor.name === 'output.weight');
    const [rowLength = 0, rowCount = 0] = output?.shape ?? [];
    const data = readFileSync(tiny.path).subarray(header.dataOffset + (output?.offset ?? 0));
    const rowIsZero = (row: number) =>
      data.subarray(row * rowLength * 2, (row + 1) * rowLength * 2).every((b) => b === 0);
    expect([rowCount - 3, rowCount - 2, rowCount - 1].map(rowIsZero)).toEqual([true, true, true]);
    expect(rowIsZero(rowCount - 4)).toBe(false);
  });

  it('rejects shapes llama.cpp cannot use, naming the option', () => {
    expect(() =>
      writeRandomModel(join(directory, 'bad.gguf'), {
        ...randomModelPresets.tiny,
        embeddingLength: 48,
        headCount: 4,
        weightType: 'Q8_0',
        seed: 1,
      }),
    ).toThrow(/embeddingLength[\s\S]*multiple of 32/);
    expect(() =>
      writeRandomModel(join(directory, 'bad.gguf'), { ...randomModelPresets.tiny, headCountKv: 3, seed: 1 }),
    ).toThrow(/multiple of headCountKv/);
  });
});

describe('a generated model in node-llama-cpp', () => {
  it('tokenizes ordinary text into multi-byte tokens and detokenizes it back', () => {
    const text = 'The morning train was late again, so the people looked at their phones.\nWhat time is it?';
    const tokens = model.tokenize(text);
    expect(tokens.length).toBeLessThan(text.length / 2);
    expect(model.detokenize(tokens)).toBe(text);
  });

  it('reads special tokens as single control tokens only when asked to', () => {
    const imStart = model.tokenize('<|im_start|>', true);
    expect(imStart).toHaveLength(1);
    expect(model.tokenize('<|im_end|>', true)).toEqual([model.tokens.eos]);
    expect(model.tokenize('<|endoftext|>', true)).toEqual([model.tokens.bos]);
    expect(model.tokenize('<|im_start|>', false).length).toBeGreaterThan(1);
    expect(model.detokenize(imStart, true)).toBe('<|im_start|>');
  });

  it('carries the ChatML template, which node-llama-cpp recognises', () => {
    expect(model.fileInfo.metadata.tokenizer.chat_template).toBe(chatMlTemplate);
    expect(resolveChatWrapper(model)).toBeInstanceOf(ChatMLChatWrapper);
  });

  it('generates the same non-empty greedy text twice, running to the token limit', async () => {
    const first = await greedyCompletion(model, 'Hello there, how are you');
    const second = await greedyCompletion(model, 'Hello there, how are you');
    expect(first.response.length).toBeGreaterThan(0);
    expect(first.metadata.stopReason).toBe('maxTokens');
    expect(second.response).toBe(first.response);
  });

  it.each(['F32', 'Q8_0'] as const)('loads and generates from the %s variant too', async (weightType) => {
    const variant = writeRandomModel(join(directory, `tiny-${weightType}.gguf`), {
      ...randomModelPresets.tiny,
      weightType,
      seed: 1,
    });
    const header = readGgufHeader(variant.path);
    expect(header.metadata['general.file_type']?.value).toBe({ F32: 0, Q8_0: 7 }[weightType]);
    expect(header.tensors.find((tensor) => tensor.name === 'blk.0.attn_q.weight')?.type).toBe(weightType);
    const loaded = await llama.loadModel({ modelPath: variant.path });
    try {
      const { response, metadata } = await greedyCompletion(loaded, 'Hello there, how are you');
      expect(response.length).toBeGreaterThan(0);
      expect(metadata.stopReason).toBe('maxTokens');
    } finally {
      await loaded.dispose();
    }
  });
});
