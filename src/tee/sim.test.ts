import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError, ManualClock } from '../shared/index.ts';
import { defaultSimMeasurement, simEvidence, simVerifier } from './sim.ts';
import { flipBit } from './testing.ts';
import type { VerifyOptions } from './verifier.ts';
import { verifyEvidence } from './verifiers.ts';

const clock = new ManualClock();
const reportData = new Uint8Array(64);
reportData.set(new Uint8Array(32).fill(3));
// A Buffer, as the provider's CLI parses --tee-sim-measurement: it must encode like a Uint8Array.
const measurement = Buffer.from(defaultSimMeasurement('1.2.3'));
const evidence = simEvidence({ measurement, reportData, debug: false, timestamp: clock.now() });
const options = (overrides: Partial<VerifyOptions> = {}): VerifyOptions => ({
  clock,
  expected: { reportData: reportData.subarray(0, 32) },
  allowSim: true,
  ...overrides,
});
const verify = (bytes: Uint8Array, opts = options()) => simVerifier.verify({ evidence: bytes }, opts);

describe('sim verifier (development only)', () => {
  it('accepts evidence signed by the public sim key, bound to the expected report data', () => {
    const appraisal = verify(evidence);
    expect(appraisal.failed).toEqual([]);
    expect(appraisal.claims).toMatchObject({
      measurement: Buffer.from(measurement).toString('hex'),
      debug: false,
      timestamp: clock.now(),
    });
    // Sim evidence lasts as long as the freshness window: 24 h by default.
    expect(Date.parse(appraisal.expiresAt as string) - clock.now()).toBe(24 * 3600_000);
  });

  it('is refused outright unless the gateway allows the sim platform', () => {
    expect(() => verifyEvidence('sim', { evidence }, options({ allowSim: false }))).toThrow(AppError);
    expect(verifyEvidence('sim', { evidence }, options()).valid).toBe(true);
  });

  it('rejects any flipped bit, naming the signature or the format', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: evidence.length * 8 - 1 }), (bit) => {
        const appraisal = verify(flipBit(evidence, bit));
        expect(appraisal.valid).toBe(false);
        expect(appraisal.failed.some((name) => ['report-signature', 'evidence-format'].includes(name))).toBe(
          true,
        );
      }),
      { numRuns: 60 },
    );
  });

  it('names wrong report data, stale or future evidence, debug, and a measurement not allowed', () => {
    expect(verify(evidence, options({ expected: { reportData: new Uint8Array(32) } })).failed).toEqual([
      'report-data',
    ]);
    const later = new ManualClock(clock.now() + 25 * 3600_000);
    expect(verify(evidence, options({ clock: later })).failed).toEqual(['freshness']);
    const future = simEvidence({ measurement, reportData, debug: false, timestamp: clock.now() + 3600_000 });
    expect(verify(future).failed).toEqual(['freshness']);
    const debug = simEvidence({ measurement, reportData, debug: true, timestamp: clock.now() });
    expect(verify(debug).failed).toEqual(['debug-policy']);
    expect(verify(debug, options({ allowDebug: true })).valid).toBe(true);
    expect(verify(evidence, options({ reference: { measurement: '00'.repeat(48) } })).failed).toEqual([
      'reference-values',
    ]);
    expect(verify(evidence, options({ expected: {} })).failed).toEqual(['report-data']);
    expect(verify(new Uint8Array([1, 2, 3])).failed).toEqual(['evidence-format']);
  });
});
