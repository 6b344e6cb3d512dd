import type { Llama } from 'node-llama-cpp';

/** What llama.cpp did during a measurement, as seen at node-llama-cpp's native boundary. */
export interface DecodeStats {
  /** `decodeBatch` calls: one per step of the continuous batch. */
  decodes: number;
  /** Mean time from a decode's call to its resolution (queueing included). */
  decodeMsMean: number;
  /** `sampleToken` calls: one per sequence per generated token. */
  samples: number;
  sampleMsMean: number;
}

type AddonContextClass = new (
  ...args: never[]
) => {
  decodeBatch(...args: unknown[]): Promise<unknown>;
  sampleToken(...args: unknown[]): Promise<unknown>;
};

/**
 * Times node-llama-cpp's two native calls of the generation loop, decode (one per batch step) and
 * sample (one per sequence and token), for the contexts created after this is installed. It wraps
 * the binding's `AddonContext` class, an internal of node-llama-cpp 3.x: where that is missing, it
 * measures nothing and says so (`undefined`). A bench diagnostic, never loaded by the provider.
 */
export function probeDecodes(llama: Llama): { reset(): void; read(): DecodeStats | undefined } {
  const bindings = (llama as unknown as { _bindings?: { AddonContext?: AddonContextClass } })._bindings;
  const Original = bindings?.AddonContext;
  if (!bindings || typeof Original !== 'function') return { reset() {}, read: () => undefined };
  const totals = { decodes: 0, decodeMs: 0, samples: 0, sampleMs: 0 };
  const timed = <T>(call: Promise<T>, done: (ms: number) => void): Promise<T> => {
    const started = performance.now();
    return call.then((value) => {
      done(performance.now() - started);
      return value;
    });
  };
  bindings.AddonContext = class extends Original {
    override decodeBatch(...args: unknown[]) {
      return timed(super.decodeBatch(...args), (ms) => {
        totals.decodes++;
        totals.decodeMs += ms;
      });
    }
    override sampleToken(...args: unknown[]) {
      return timed(super.sampleToken(...args), (ms) => {
        totals.samples++;
        totals.sampleMs += ms;
      });
    }
  };
  const mean = (ms: number, count: number) => (count === 0 ? 0 : Number((ms / count).toFixed(3)));
  return {
    reset() {
      Object.assign(totals, { decodes: 0, decodeMs: 0, samples: 0, sampleMs: 0 });
    },
    read: () => ({
      decodes: totals.decodes,
      decodeMsMean: mean(totals.decodeMs, totals.decodes),
      samples: totals.samples,
      sampleMsMean: mean(totals.sampleMs, totals.samples),
    }),
  };
}
