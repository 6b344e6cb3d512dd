import { describe, expect, it } from 'vitest';
import { encodeValues, float32ToFloat16Bits } from './tensor-encoding.ts';

/** Reference decoder: the value a half-precision bit pattern stands for. */
function float16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

describe('float32ToFloat16Bits', () => {
  it('matches hand-computed half-precision bits', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.1, 0x2e66],
      [1 / 3, 0x3555],
      [65504, 0x7bff], // largest finite half
      [65520, 0x7c00], // halfway to the next step: ties to even, which is infinity
      [1e6, 0x7c00],
      [Number.NEGATIVE_INFINITY, 0xfc00],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // halfway between 0 and the smallest subnormal: ties to even (0)
      [3 * 2 ** -26, 0x0001],
      [1 + 2 ** -11, 0x3c00], // halfway between 1 and 1 + 2^-10: ties to even (down)
      [1 + 3 * 2 ** -11, 0x3c02], // halfway between 1 + 2^-10 and 1 + 2^-9: ties to even (up)
    ];
    for (const [value, bits] of cases) expect(float32ToFloat16Bits(value), `${value}`).toBe(bits);
    expect(float32ToFloat16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(float32ToFloat16Bits(Number.NaN) & 0x3ff).not.toBe(0);
  });

  it('round-trips every finite half and rounds every midpoint to the even neighbour', () => {
    const mismatches: string[] = [];
    const check = (value: number, expected: number) => {
      const actual = float32ToFloat16Bits(value);
      if (actual !== expected)
        mismatches.push(`${value}: ${actual.toString(16)} != ${expected.toString(16)}`);
    };
    for (let bits = 0; bits < 0x7c00; bits++) {
      check(float16Value(bits), bits);
      check(-float16Value(bits), bits | 0x8000);
      if (bits + 1 < 0x7c00) {
        check((float16Value(bits) + float16Value(bits + 1)) / 2, bits % 2 === 0 ? bits : bits + 1);
      }
    }
    expect(mismatches).toEqual([]);
  });
});

describe('encodeValues', () => {
  it('stores F32 and F16 little-endian', () => {
    const target = new Uint8Array(8);
    expect(encodeValues('F32', Float32Array.of(1, -2), target)).toBe(8);
    expect([...target]).toEqual([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0]);
    expect(encodeValues('F16', Float32Array.of(1, -2), target)).toBe(4);
    expect([...target.subarray(0, 4)]).toEqual([0x00, 0x3c, 0x00, 0xc0]);
  });

  it('encodes a Q8_0 block as an f16 scale max|x|/127 and 32 int8 round(x / scale), halves away from zero', () => {
    // max |x| = 127 makes the scale exactly 1, so each quant is x rounded the way C's roundf does.
    const values = new Float32Array(32);
    values.set([2.5, -2.5, 0.5, -0.5, 1.4, -1.6, 126.6, -127, 0]);
    const target = new Uint8Array(34);
    expect(encodeValues('Q8_0', values, target)).toBe(34);
    expect([target[0], target[1]]).toEqual([0x00, 0x3c]);
    const quants = new Int8Array(target.buffer, 2, 32);
    expect([...quants.subarray(0, 9)]).toEqual([3, -3, 1, -1, 1, -2, 127, -127, 0]);
    expect(quants.subarray(9).every((quant) => quant === 0)).toBe(true);
  });

  it('encodes a Q8_0 scale in half precision and an all-zero block as zeros', () => {
    // max |x| = 16: d = 16/127 = 0.12598..., whose nearest half is 0x3008 (1.0078125 * 2^-3).
    const values = Float32Array.from({ length: 64 }, (_, i) => (i < 32 ? i - 16 : 0));
    const target = new Uint8Array(68).fill(0xff);
    expect(encodeValues('Q8_0', values, target)).toBe(68);
    expect([target[0], target[1]]).toEqual([0x08, 0x30]);
    const quants = new Int8Array(target.buffer, 2, 32);
    // x * 127/16: -16 → -127, 1 → 7.94 → 8, 2 → 15.88 → 16, 15 → 119.06 → 119
    expect([quants[0], quants[17], quants[18], quants[31]]).toEqual([-127, 8, 16, 119]);
    expect([...target.subarray(34)].every((byte) => byte === 0)).toBe(true);
  });

  it('refuses values that do not fill whole Q8_0 blocks', () => {
    expect(() => encodeValues('Q8_0', new Float32Array(40), new Uint8Array(100))).toThrow(/blocks of 32/);
  });
});
