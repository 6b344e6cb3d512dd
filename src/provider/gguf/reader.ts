import { closeSync, openSync, readSync } from 'node:fs';
import { type GgmlType, ggmlTypes } from './tensor-encoding.ts';
import { type GgufNumberType, type GgufValue, ggufValueTypeIds } from './values.ts';

export interface GgufTensorInfo {
  readonly name: string;
  readonly shape: readonly number[];
  readonly type: GgmlType;
  /** Relative to `dataOffset`. */
  readonly offset: number;
}

export interface GgufHeader {
  readonly version: number;
  readonly metadata: Record<string, GgufValue>;
  readonly tensors: readonly GgufTensorInfo[];
  /** Absolute file offset of the data section. */
  readonly dataOffset: number;
}

/**
 * Reads a GGUF file's header, metadata and tensor infos (not the data), for checking what the writer
 * produced. Reads a growing prefix of the file, so a gigabyte model costs only its header.
 */
export function readGgufHeader(path: string): GgufHeader {
  for (let prefixBytes = 1 << 20; ; prefixBytes *= 4) {
    const prefix = readPrefix(path, prefixBytes);
    try {
      return parseHeader(prefix);
    } catch (error) {
      if (!(error instanceof RangeError) || prefix.length < prefixBytes) throw error;
    }
  }
}

function readPrefix(path: string, length: number): Uint8Array {
  const descriptor = openSync(path, 'r');
  try {
    const buffer = new Uint8Array(length);
    let filled = 0;
    for (let read = -1; read !== 0 && filled < length; filled += read) {
      read = readSync(descriptor, buffer, filled, length - filled, filled);
    }
    return buffer.subarray(0, filled);
  } finally {
    closeSync(descriptor);
  }
}

function parseHeader(bytes: Uint8Array): GgufHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const take = (count: number): number => {
    if (at + count > bytes.length) throw new RangeError('GGUF header runs past the bytes read');
    at += count;
    return at - count;
  };
  const uint32 = () => view.getUint32(take(4), true);
  const uint64 = () => Number(view.getBigUint64(take(8), true));
  const string = () => {
    const length = uint64();
    return new TextDecoder().decode(bytes.subarray(take(length), at));
  };
  const number = (type: GgufNumberType) => {
    const offset = take(4);
    if (type === 'uint32') return view.getUint32(offset, true);
    return type === 'int32' ? view.getInt32(offset, true) : view.getFloat32(offset, true);
  };
  const value = (typeId: number): GgufValue => {
    const type = valueTypeName(typeId);
    if (type === 'uint64') return { type, value: view.getBigUint64(take(8), true) };
    if (type === 'bool') return { type, value: bytes[take(1)] === 1 };
    if (type === 'string') return { type, value: string() };
    if (type !== 'array') return { type, value: number(type) };
    const itemType = valueTypeName(uint32());
    const count = uint64();
    if (itemType === 'string') return { type, itemType, value: Array.from({ length: count }, string) };
    if (itemType === 'uint32' || itemType === 'int32' || itemType === 'float32') {
      return { type, itemType, value: Array.from({ length: count }, () => number(itemType)) };
    }
    throw new Error(`arrays of ${itemType} are not supported`);
  };

  if (new TextDecoder().decode(bytes.subarray(take(4), at)) !== 'GGUF') throw new Error('not a GGUF file');
  const version = uint32();
  const tensorCount = uint64();
  const metadataCount = uint64();
  const metadata: Record<string, GgufValue> = {};
  for (let i = 0; i < metadataCount; i++) {
    const key = string();
    metadata[key] = value(uint32());
  }
  const tensors = Array.from({ length: tensorCount }, (): GgufTensorInfo => {
    const name = string();
    const shape = Array.from({ length: uint32() }, uint64);
    const type = typeName(uint32());
    return { name, shape, type, offset: uint64() };
  });
  const alignment = metadata['general.alignment']?.value ?? 32;
  if (typeof alignment !== 'number') throw new Error('general.alignment is not a number');
  return { version, metadata, tensors, dataOffset: Math.ceil(at / alignment) * alignment };
}

function valueTypeName(id: number): keyof typeof ggufValueTypeIds {
  const entry = Object.entries(ggufValueTypeIds).find(([, typeId]) => typeId === id);
  if (!entry) throw new Error(`unsupported GGUF value type ${id}`);
  return entry[0] as keyof typeof ggufValueTypeIds;
}

function typeName(id: number): GgmlType {
  const entry = Object.entries(ggmlTypes).find(([, layout]) => layout.id === id);
  if (!entry) throw new Error(`unsupported ggml type ${id}`);
  return entry[0] as GgmlType;
}
