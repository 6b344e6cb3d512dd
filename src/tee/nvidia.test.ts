import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../shared/index.ts';
import { nvidiaVerifier } from './nvidia.ts';
import { awsNitroRootG1Pem } from './roots.ts';
import { flipBit, vectors } from './testing.ts';
import type { VerifyOptions } from './verifier.ts';

const v = vectors.nvidia;
const evidence = v.evidence();
const nonce = v.nonce();

const options = (overrides: Partial<VerifyOptions> = {}): VerifyOptions => {
  const clock = overrides.clock ?? v.clock();
  return { clock, expected: { nonce, issuedAt: clock.now() }, ...overrides };
};
const verify = (bytes: Uint8Array, opts = options(), certificates = v.certificates()) =>
  nvidiaVerifier.verify({ evidence: bytes, certificates }, opts);

describe('NVIDIA Hopper verifier', () => {
  it('accepts the real H100 SPDM measurements, chained to the pinned NVIDIA Device Identity CA', () => {
    const appraisal = verify(evidence);
    expect(appraisal.failed).toEqual([]);
    expect(appraisal.valid).toBe(true);
    expect(appraisal.claims).toMatchObject({
      spdmVersion: '1.1',
      nonce: '931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb',
      driverVersion: '550.90.07',
      vbiosVersion: '96.00.9F.00.01',
      project: '1010',
      projectSku: '0200',
      chipSku: '882',
    });
    expect(Object.keys((appraisal.claims as { measurements: object }).measurements)).toHaveLength(64);
    expect(appraisal.checks.find((check) => check.name === 'fwid')?.ok).toBe(true);
  });

  it('rejects any flipped bit in the signed request and response', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: (evidence.length - 96) * 8 - 1 }), (bit) => {
        const appraisal = verify(flipBit(evidence, bit));
        expect(appraisal.valid).toBe(false);
        expect(appraisal.failed.some((name) => ['report-signature', 'evidence-format'].includes(name))).toBe(
          true,
        );
      }),
      { numRuns: 40 },
    );
    const firstMeasurementValue = 37 + 8 + 7;
    expect(verify(flipBit(evidence, firstMeasurementValue * 8)).failed).toEqual(['report-signature']);
  });

  it('rejects a flipped bit in the signature', () => {
    expect(verify(flipBit(evidence, evidence.length * 8 - 9)).failed).toEqual(['report-signature']);
  });

  it('rejects a chain to a root that is not pinned, and a chain missing its device certificate', () => {
    expect(verify(evidence, options({ roots: [awsNitroRootG1Pem] })).failed).toEqual(['pinned-root']);
    const withoutLeaf = v.certificates().slice(v.certificates().indexOf('-----END CERTIFICATE-----') + 26);
    const appraisal = verify(evidence, options(), withoutLeaf);
    expect(appraisal.failed).toEqual(expect.arrayContaining(['report-signature', 'fwid']));
  });

  it('rejects the report outside the certificates’ validity', () => {
    const before = new ManualClock(Date.UTC(2019, 0, 1));
    expect(verify(evidence, options({ clock: before })).failed).toEqual(['certificate-validity']);
    const after = new ManualClock(Date.UTC(10000, 0, 2));
    expect(verify(evidence, options({ clock: after })).failed).toEqual(['certificate-validity']);
  });

  it('rejects a report answering a stale challenge or another nonce', () => {
    const clock = v.clock();
    expect(
      verify(evidence, options({ expected: { nonce, issuedAt: clock.now() - 2 * 86_400_000 } })).failed,
    ).toEqual(['freshness']);
    expect(verify(evidence, options({ expected: { nonce } })).failed).toEqual(['freshness']);
    expect(
      verify(evidence, options({ expected: { nonce: flipBit(nonce, 1), issuedAt: clock.now() } })).failed,
    ).toEqual(['nonce']);
    expect(verify(evidence, options({ expected: { reportData: nonce, issuedAt: clock.now() } })).valid).toBe(
      true,
    );
  });

  it('compares measurement blocks with reference values (e.g. from RIMs)', () => {
    const { measurements } = verify(evidence).claims as { measurements: Record<string, string> };
    const reference = {
      'measurements.1': measurements['1'] as string,
      'measurements.2': [measurements['2'] as string],
    };
    expect(verify(evidence, options({ reference })).valid).toBe(true);
    const wrong = verify(evidence, options({ reference: { 'measurements.2': measurements['1'] as string } }));
    expect(wrong.failed).toEqual(['reference-values']);
  });
});
