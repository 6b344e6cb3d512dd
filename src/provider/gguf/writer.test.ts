import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readGgufHeader } from './reader.ts';
import { gguf } from './values.ts';
import { type GgufTensor, writeGguf } from './writer.ts';

const directory = mkdtempSync(join(tmpdir(), 'parley-gguf-writer-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function tensorOf(name: string, shape: number[], type: GgufTensor['type'], values: Float32Array): GgufTensor {
  return { name, shape, type, values: () => [values] };
}

const metadata = {
  'general.architecture': gguf.string('test'),
  'test.count': gguf.uint32(4_000_000_000),
  'test.offset': gguf.int32(-7),
  'test.epsilon': gguf.float32(0.5),
  'test.big': gguf.uint64(2n ** 40n),
  'test.flag': gguf.bool(true),
  'test.words': gguf.strings(['Ġhello', '<|im_end|>', '']),
  'test.kinds': gguf.numbers('int32', [1, -3]),
  'test.ids': gguf.numbers('uint32', [7]),
  'test.scales': gguf.numbers('float32', [0.25, -1]),
};

describe('writeGguf', () => {
  const path = join(directory, 'mixed.gguf');
  // Odd sizes, so that every tensor but a lucky one needs padding to the next 32-byte boundary.
  const f32Values = Float32Array.of(1, 2, 3, 4, 5, 6, 7);
  const written = writeGguf(path, {
    metadata,
    tensors: [
      tensorOf('odd.f32', [7], 'F32', f32Values),
      tensorOf('odd.f16', [3, 3], 'F16', new Float32Array(9).fill(1)),
      tensorOf('block.q8', [32, 1], 'Q8_0', new Float32Array(32).fill(0.5)),
      tensorOf('after.f32', [5], 'F32', new Float32Array(5).fill(-1)),
    ],
  });
  const file = readFileSync(path);
  const header = readGgufHeader(path);

  it('writes a GGUF v3 header with its metadata, in order, followed by general.alignment = 32', () => {
    expect(file.subarray(0, 4).toString('latin1')).toBe('GGUF');
    expect(header.version).toBe(3);
    expect(Object.keys(header.metadata)).toEqual([...Object.keys(metadata), 'general.alignment']);
    expect(header.metadata).toEqual({ ...metadata, 'general.alignment': gguf.uint32(32) });
  });

  it('aligns the data section and each tensor to 32 bytes, with no gaps beyond padding', () => {
    expect(header.dataOffset % 32).toBe(0);
    expect(header.tensors.map(({ name, shape, type, offset }) => ({ name, shape, type, offset }))).toEqual([
      { name: 'odd.f32', shape: [7], type: 'F32', offset: 0 },
      { name: 'odd.f16', shape: [3, 3], type: 'F16', offset: 32 },
      { name: 'block.q8', shape: [32, 1], type: 'Q8_0', offset: 64 },
      { name: 'after.f32', shape: [5], type: 'F32', offset: 128 },
    ]);
    expect(written.bytes).toBe(file.length);
    expect(file.length).toBe(header.dataOffset + 160);
  });

  it('stores tensor data at its offset, padding with zeros', () => {
    const data = file.subarray(header.dataOffset);
    const f32 = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + 28));
    expect([...f32]).toEqual([...f32Values]);
    expect([...data.subarray(28, 32)]).toEqual([0, 0, 0, 0]);
    expect([...data.subarray(32, 34)]).toEqual([0x00, 0x3c]);
  });

  it('reports the SHA-256 of the bytes it wrote', () => {
    expect(written.sha256).toBe(createHash('sha256').update(file).digest('hex'));
  });

  it('refuses a tensor whose values do not match its shape and leaves no file behind', () => {
    const shortPath = join(directory, 'short.gguf');
    const short = tensorOf('short', [4, 2], 'F32', new Float32Array(4));
    expect(() => writeGguf(shortPath, { metadata: {}, tensors: [short] })).toThrow(
      /produced 16 bytes.*needs 32/,
    );
    expect(existsSync(shortPath) || existsSync(`${shortPath}.partial`)).toBe(false);
  });

  it('refuses Q8_0 rows that are not whole blocks', () => {
    const ragged = tensorOf('ragged', [16, 2], 'Q8_0', new Float32Array(32));
    expect(() => writeGguf(join(directory, 'ragged.gguf'), { metadata: {}, tensors: [ragged] })).toThrow(
      /multiple of 32/,
    );
  });
});
