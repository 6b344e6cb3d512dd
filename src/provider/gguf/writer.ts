import { createHash } from 'node:crypto';
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { encodedByteLength, encodeValues, type GgmlType, ggmlTypes } from './tensor-encoding.ts';
import { type GgufMetadata, type GgufValue, gguf, ggufValueTypeIds } from './values.ts';

export const ggufAlignment = 32;
const utf8 = new TextEncoder();

export interface GgufTensor {
  readonly name: string;
  /** ggml's `ne`: the innermost (contiguous) dimension first. */
  readonly shape: readonly number[];
  readonly type: GgmlType;
  /**
   * The values in storage order, in chunks of whole blocks. Each chunk is encoded and written before the
   * next is asked for, so a producer may refill one buffer.
   */
  readonly values: () => Iterable<Float32Array>;
}

export interface GgufFile {
  /** Written in order; the writer adds (or overrides) `general.alignment`. */
  readonly metadata: GgufMetadata;
  readonly tensors: readonly GgufTensor[];
}

export interface WrittenGguf {
  readonly sha256: string;
  readonly bytes: number;
}

/**
 * Streams a GGUF v3 file to `path`: the header, then each tensor's data as its producer yields it, so memory
 * stays flat however large the model. The file appears at `path` only once complete.
 */
export function writeGguf(path: string, file: GgufFile): WrittenGguf {
  const { header, tensorBytes } = encodeHeader(file);
  const hash = createHash('sha256');
  const partialPath = `${path}.partial`;
  const descriptor = openSync(partialPath, 'w');
  let written = 0;
  const write = (bytes: Uint8Array): void => {
    let done = 0;
    while (done < bytes.length) done += writeSync(descriptor, bytes, done, bytes.length - done);
    hash.update(bytes);
    written += bytes.length;
  };
  try {
    write(header);
    let scratch = new Uint8Array(0);
    file.tensors.forEach((tensor, index) => {
      let tensorWritten = 0;
      for (const chunk of tensor.values()) {
        const needed = encodedByteLength(tensor.type, chunk.length);
        if (scratch.length < needed) scratch = new Uint8Array(needed);
        write(scratch.subarray(0, encodeValues(tensor.type, chunk, scratch)));
        tensorWritten += needed;
      }
      if (tensorWritten !== tensorBytes[index]) {
        throw new Error(
          `tensor ${tensor.name} produced ${tensorWritten} bytes; its shape needs ${tensorBytes[index]}`,
        );
      }
      // Every tensor, the last included, is padded: ggml sizes the data section as the sum of padded tensors.
      write(new Uint8Array(paddingAfter(written)));
    });
  } catch (error) {
    closeSync(descriptor);
    rmSync(partialPath, { force: true });
    throw error;
  }
  closeSync(descriptor);
  renameSync(partialPath, path);
  return { sha256: hash.digest('hex'), bytes: written };
}

/** Elements in a tensor of this shape. */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}

function paddingAfter(offset: number): number {
  return (ggufAlignment - (offset % ggufAlignment)) % ggufAlignment;
}

/** Everything before the data section: header, key/values, tensor infos and padding to the alignment. */
function encodeHeader(file: GgufFile): { header: Uint8Array; tensorBytes: number[] } {
  const out = new ByteBuilder();
  const metadata = Object.entries({ ...file.metadata, 'general.alignment': gguf.uint32(ggufAlignment) });
  out.bytes(utf8.encode('GGUF'));
  out.uint32(3);
  out.uint64(BigInt(file.tensors.length));
  out.uint64(BigInt(metadata.length));
  for (const [key, value] of metadata) {
    out.string(key);
    writeValue(out, value);
  }
  const tensorBytes: number[] = [];
  let dataOffset = 0;
  for (const tensor of file.tensors) {
    if ((tensor.shape[0] ?? 0) % ggmlTypes[tensor.type].blockSize !== 0) {
      throw new Error(
        `${tensor.name}: a ${tensor.type} row must be a multiple of ${ggmlTypes[tensor.type].blockSize}`,
      );
    }
    out.string(tensor.name);
    out.uint32(tensor.shape.length);
    for (const size of tensor.shape) out.uint64(BigInt(size));
    out.uint32(ggmlTypes[tensor.type].id);
    out.uint64(BigInt(dataOffset));
    const bytes = encodedByteLength(tensor.type, elementCount(tensor.shape));
    tensorBytes.push(bytes);
    dataOffset += bytes + paddingAfter(bytes);
  }
  out.bytes(new Uint8Array(paddingAfter(out.length)));
  return { header: out.toBytes(), tensorBytes };
}

function writeValue(out: ByteBuilder, value: GgufValue): void {
  out.uint32(ggufValueTypeIds[value.type]);
  switch (value.type) {
    case 'uint32':
    case 'int32':
    case 'float32':
      out.number(value.type, value.value);
      return;
    case 'uint64':
      out.uint64(value.value);
      return;
    case 'bool':
      out.bytes(Uint8Array.of(value.value ? 1 : 0));
      return;
    case 'string':
      out.string(value.value);
      return;
    case 'array':
      out.uint32(ggufValueTypeIds[value.itemType]);
      out.uint64(BigInt(value.value.length));
      if (value.itemType === 'string') for (const item of value.value) out.string(item);
      else for (const item of value.value) out.number(value.itemType, item);
  }
}

/** A growable little-endian byte buffer for the (small) header. */
class ByteBuilder {
  private buffer = new Uint8Array(4096);
  private view = new DataView(this.buffer.buffer);
  length = 0;

  bytes(bytes: Uint8Array): void {
    this.reserve(bytes.length).set(bytes);
  }

  uint32(value: number): void {
    this.number('uint32', value);
  }

  uint64(value: bigint): void {
    this.reserve(8);
    this.view.setBigUint64(this.length - 8, value, true);
  }

  number(type: 'uint32' | 'int32' | 'float32', value: number): void {
    this.reserve(4);
    const at = this.length - 4;
    if (type === 'uint32') this.view.setUint32(at, value, true);
    else if (type === 'int32') this.view.setInt32(at, value, true);
    else this.view.setFloat32(at, value, true);
  }

  string(value: string): void {
    const encoded = utf8.encode(value);
    this.uint64(BigInt(encoded.length));
    this.bytes(encoded);
  }

  toBytes(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  /** Grows the buffer if needed, advances `length` and returns the reserved region. */
  private reserve(count: number): Uint8Array {
    if (this.length + count > this.buffer.length) {
      const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + count));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
      this.view = new DataView(grown.buffer);
    }
    const region = this.buffer.subarray(this.length, this.length + count);
    this.length += count;
    return region;
  }
}
