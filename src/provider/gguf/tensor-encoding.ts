import { endianness } from 'node:os';

/** The ggml tensor types this writer produces, with their ids in the GGUF tensor-info table. */
export type GgmlType = 'F32' | 'F16' | 'Q8_0';

interface GgmlTypeLayout {
  readonly id: number;
  /** Values per block; a row's length must be a multiple of it. */
  readonly blockSize: number;
  readonly bytesPerBlock: number;
}

export const ggmlTypes: Readonly<Record<GgmlType, GgmlTypeLayout>> = {
  F32: { id: 0, blockSize: 1, bytesPerBlock: 4 },
  F16: { id: 1, blockSize: 1, bytesPerBlock: 2 },
  Q8_0: { id: 8, blockSize: 32, bytesPerBlock: 34 },
};

/** Bytes that `count` values take when stored as `type`. */
export function encodedByteLength(type: GgmlType, count: number): number {
  const { blockSize, bytesPerBlock } = ggmlTypes[type];
  if (count % blockSize !== 0) {
    throw new Error(
      `${type} stores values in blocks of ${blockSize}; ${count} values do not fill whole blocks`,
    );
  }
  return (count / blockSize) * bytesPerBlock;
}

const littleEndianHost = endianness() === 'LE';
const scratchFloat = new Float32Array(1);
const scratchBits = new Uint32Array(scratchFloat.buffer);

/**
 * IEEE 754 half-precision bits of `value` (first rounded to float32), rounding to nearest, ties to even,
 * as ggml's own conversion does. Written by hand because Node 20 has no Float16Array.
 */
export function float32ToFloat16Bits(value: number): number {
  scratchFloat[0] = value;
  return halfBitsFromFloatBits(scratchBits[0] as number);
}

function halfBitsFromFloatBits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa === 0 ? 0 : 0x200 | (mantissa >>> 13));
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent >= 1) return sign | roundShiftRight((halfExponent << 23) | mantissa, 13);
  // Subnormal half: the implicit leading bit becomes explicit and shifts right with the mantissa.
  const shift = 14 - halfExponent;
  if (shift > 24) return sign;
  return sign | roundShiftRight(mantissa | 0x800000, shift);
}

/**
 * `value >>> shift`, rounded to nearest with ties to even, without branches (random weights make them
 * unpredictable): adding halfway - 1 plus the kept low bit carries exactly when rounding up is due.
 * A carry may ripple into the exponent, as it should.
 */
function roundShiftRight(value: number, shift: number): number {
  return (value + (1 << (shift - 1)) - 1 + ((value >>> shift) & 1)) >>> shift;
}

/**
 * Encodes `values` as `type` into `target` (little-endian, as GGUF requires) and returns the bytes written.
 * Q8_0 blocks follow ggml's reference quantizer: scale d = max|x| / 127 stored as f16, then 32 int8 round(x / d).
 * Typed-array views rather than a DataView keep this to a few nanoseconds a value, which a 1B model needs.
 */
export function encodeValues(type: GgmlType, values: Float32Array, target: Uint8Array): number {
  if (!littleEndianHost) throw new Error('the GGUF writer needs a little-endian host');
  const length = encodedByteLength(type, values.length);
  if (target.length < length) throw new Error(`target holds ${target.length} bytes; ${length} needed`);
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  if (type === 'F32') {
    target.set(new Uint8Array(values.buffer, values.byteOffset, length));
  } else if (type === 'F16') {
    for (let i = 0; i < values.length; i++) {
      const half = halfBitsFromFloatBits(bits[i] as number);
      target[2 * i] = half;
      target[2 * i + 1] = half >>> 8;
    }
  } else {
    const quants = new Int8Array(target.buffer, target.byteOffset, length);
    for (let block = 0; block < values.length / 32; block++) {
      encodeQ8Block(values, block * 32, target, quants, block * 34);
    }
  }
  return length;
}

function encodeQ8Block(
  values: Float32Array,
  start: number,
  target: Uint8Array,
  quants: Int8Array,
  offset: number,
): void {
  let maxMagnitude = 0;
  for (let i = start; i < start + 32; i++) {
    const magnitude = Math.abs(values[i] as number);
    if (magnitude > maxMagnitude) maxMagnitude = magnitude;
  }
  // ggml computes in float32: d = amax / 127, id = 1 / d, q = roundf(x * id) (ties away from zero).
  const scale = Math.fround(maxMagnitude / 127);
  const inverseScale = scale === 0 ? 0 : Math.fround(1 / scale);
  const half = float32ToFloat16Bits(scale);
  target[offset] = half;
  target[offset + 1] = half >>> 8;
  for (let i = 0; i < 32; i++) {
    const scaled = Math.fround((values[start + i] as number) * inverseScale);
    // roundf (halves away from zero) as floor(x + 0.5), exact for a float32 x, with negative halves moved
    // down: a sign test on random data mispredicts, the rare-tie test does not.
    const lifted = scaled + 0.5;
    const rounded = Math.floor(lifted);
    quants[offset + 2 + i] = rounded === lifted && scaled < 0 ? rounded - 1 : rounded;
  }
}
