import { randomBytes } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';

/** Source of random bytes, injected so that ids, sampling and keys are reproducible in tests. */
export interface Rng {
  bytes(length: number): Uint8Array;
}

/**
 * The operating system's CSPRNG, drawn in 4 KiB batches: one `randomBytes` call per request id
 * costs more than the rest of a small request (see bench/gateway-overhead.ts).
 */
export const cryptoRng: Rng = (() => {
  const batch = 4096;
  let pool = randomBytes(batch);
  let offset = 0;
  return {
    bytes(length) {
      if (length > batch) return new Uint8Array(randomBytes(length));
      if (offset + length > batch) {
        pool = randomBytes(batch);
        offset = 0;
      }
      const out = new Uint8Array(pool.subarray(offset, offset + length));
      // Bytes handed out are wiped from the pool, so they cannot leak through a later read of it.
      pool.fill(0, offset, offset + length);
      offset += length;
      return out;
    },
  };
})();

/**
 * Deterministic bytes from a seed: SHA-256 over (seed, counter). Good enough for reproducible tests,
 * never for keys that protect anything.
 */
export function seededRng(seed: string): Rng {
  const seedBytes = new TextEncoder().encode(seed);
  let counter = 0;
  let pool = new Uint8Array(0);
  return {
    bytes(length) {
      while (pool.length < length) {
        const block = new Uint8Array(seedBytes.length + 8);
        block.set(seedBytes);
        new DataView(block.buffer).setBigUint64(seedBytes.length, BigInt(counter++));
        const next = new Uint8Array(pool.length + 32);
        next.set(pool);
        next.set(sha256(block), pool.length);
        pool = next;
      }
      const out = pool.slice(0, length);
      pool = pool.slice(length);
      return out;
    },
  };
}

/** A random identifier of `bytes` random bytes in lowercase hex. */
export function randomId(rng: Rng, bytes = 16): string {
  return Buffer.from(rng.bytes(bytes)).toString('hex');
}
