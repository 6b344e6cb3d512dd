/** A typed GGUF metadata value; the type is explicit because a JavaScript number could be any of several. */
export type GgufValue =
  | { readonly type: 'uint32' | 'int32' | 'float32'; readonly value: number }
  | { readonly type: 'uint64'; readonly value: bigint }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'array'; readonly itemType: GgufNumberType; readonly value: readonly number[] }
  | { readonly type: 'array'; readonly itemType: 'string'; readonly value: readonly string[] };

export type GgufNumberType = 'uint32' | 'int32' | 'float32';

/** Metadata in the order it is written. */
export type GgufMetadata = Readonly<Record<string, GgufValue>>;

/** Value type ids of the GGUF key/value section. */
export const ggufValueTypeIds = {
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
} as const;

/** Shorthands, so metadata reads `{ 'llama.block_count': gguf.uint32(2) }`. */
export const gguf = {
  uint32: (value: number): GgufValue => ({ type: 'uint32', value }),
  int32: (value: number): GgufValue => ({ type: 'int32', value }),
  float32: (value: number): GgufValue => ({ type: 'float32', value }),
  uint64: (value: bigint): GgufValue => ({ type: 'uint64', value }),
  bool: (value: boolean): GgufValue => ({ type: 'bool', value }),
  string: (value: string): GgufValue => ({ type: 'string', value }),
  strings: (value: readonly string[]): GgufValue => ({ type: 'array', itemType: 'string', value }),
  numbers: (itemType: GgufNumberType, value: readonly number[]): GgufValue => ({
    type: 'array',
    itemType,
    value,
  }),
};
