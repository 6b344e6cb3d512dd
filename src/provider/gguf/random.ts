/**
 * A fast seeded generator of uniform floats for model weights: xoshiro128** over 32-bit integers,
 * seeded through splitmix32. The shared `Rng` (SHA-256 per 32 bytes) is far too slow for the
 * billion values of a 1B-parameter model; this one draws a value in a few nanoseconds.
 */
export interface WeightRandom {
  /** Fills `target` with uniform floats in [-amplitude, amplitude]: 2^24 evenly spaced levels. */
  fillUniform(target: Float32Array, amplitude: number): void;
}

/**
 * An independent stream for one named tensor: the values depend only on (seed, stream name), so adding,
 * removing or reordering tensors never changes the others.
 */
export function createWeightRandom(seed: number, stream: string): WeightRandom {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`seed must be an integer in [0, 2^32); got ${seed}`);
  }
  let mix = (seed ^ hashName(stream)) >>> 0;
  const splitmix32 = (): number => {
    mix = (mix + 0x9e3779b9) | 0;
    let z = mix;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  const state = Uint32Array.of(splitmix32(), splitmix32(), splitmix32(), splitmix32());
  return {
    fillUniform(target, amplitude) {
      // The state lives in locals for the loop: several times faster than closure or field access.
      let s0 = state[0] as number;
      let s1 = state[1] as number;
      let s2 = state[2] as number;
      let s3 = state[3] as number;
      const step = (2 * amplitude) / 2 ** 24;
      for (let i = 0; i < target.length; i++) {
        const result = Math.imul(rotateLeft(Math.imul(s1, 5), 7), 9);
        const t = s1 << 9;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = rotateLeft(s3, 11);
        target[i] = (result >>> 8) * step - amplitude;
      }
      state.set([s0, s1, s2, s3]);
    },
  };
}

function rotateLeft(value: number, bits: number): number {
  return (value << bits) | (value >>> (32 - bits));
}

/** FNV-1a over the UTF-16 code units of `name`. */
function hashName(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
