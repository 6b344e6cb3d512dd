import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../shared/index.ts';
import { amdArkGenoaPem } from './roots.ts';
import { sevSnpVerifier } from './sev-snp.ts';
import { flipBit, vectors } from './testing.ts';
import type { VerifyOptions } from './verifier.ts';

const v = vectors.sevSnp;
const evidence = v.evidence();
const reportData = evidence.subarray(0x50, 0x90);

/** The sample's guest policy allows debugging, so a passing appraisal must allow it explicitly. */
function options(overrides: Partial<VerifyOptions> = {}): VerifyOptions {
  const clock = v.clock();
  return { clock, allowDebug: true, expected: { reportData, issuedAt: clock.now() }, ...overrides };
}

const verify = (bytes: Uint8Array, opts = options(), certificates = v.certificates()) =>
  sevSnpVerifier.verify({ evidence: bytes, certificates }, opts);

describe('SEV-SNP verifier', () => {
  it('accepts the real Milan report under its VCEK, ASK and pinned ARK at 2023-01-01', () => {
    const appraisal = verify(evidence);
    expect(appraisal.failed).toEqual([]);
    expect(appraisal.valid).toBe(true);
    expect(appraisal.claims).toMatchObject({
      version: 2,
      product: 'Milan-B0',
      debug: true,
      policy: '00000000000b0000',
      measurement:
        'b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01',
      chipId: expect.stringMatching(/^3ac3fe21.*6b5d$/),
      reportedTcb: { bootloader: 2, tee: 0, snp: 5, microcode: 68 },
    });
    expect(appraisal.checks.map((check) => check.name)).toEqual(
      expect.arrayContaining([
        'certificate-chain',
        'pinned-root',
        'vcek-chip-id',
        'vcek-tcb',
        'report-signature',
      ]),
    );
    expect(appraisal.expiresAt).toBe('2023-01-02T00:00:00.000Z');
  });

  it('rejects the debug-enabled guest policy unless policy allows debugging', () => {
    const appraisal = verify(evidence, options({ allowDebug: false }));
    expect(appraisal.valid).toBe(false);
    expect(appraisal.failed).toEqual(['debug-policy']);
  });

  it('rejects any flipped bit in the signed report bytes, naming the report signature', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x2a0 * 8 - 1 }), (bit) => {
        const appraisal = verify(flipBit(evidence, bit));
        expect(appraisal.valid).toBe(false);
        // A flip in the version field may make the report unreadable; anywhere else the signature breaks.
        if (bit >= 32) expect(appraisal.failed).toContain('report-signature');
        else
          expect(
            appraisal.failed.some((name) => ['evidence-format', 'report-signature'].includes(name)),
          ).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it('rejects a flipped bit in the signature', () => {
    expect(verify(flipBit(evidence, 0x2a0 * 8 + 5)).failed).toContain('report-signature');
    expect(verify(flipBit(evidence, (0x2a0 + 72) * 8)).failed).toContain('report-signature');
  });

  it('rejects a VCEK whose signed bytes were altered', () => {
    const pem = v.vcekPem();
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const tampered = Buffer.from(flipBit(der, 400 * 8)).toString('base64');
    const pemOf = (b64: string) => `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
    const appraisal = verify(evidence, options(), pemOf(tampered) + v.certificates().slice(pem.length));
    expect(appraisal.valid).toBe(false);
    expect(appraisal.failed).toEqual(expect.arrayContaining(['certificate-chain']));
  });

  it('rejects a chain to a root that is not pinned', () => {
    const onlyGenoa = verify(evidence, options({ roots: [amdArkGenoaPem] }));
    expect(onlyGenoa.valid).toBe(false);
    expect(onlyGenoa.failed).toContain('pinned-root');
  });

  it('rejects the Milan VCEK presented with the Genoa ASK and ARK', () => {
    const appraisal = verify(evidence, options(), v.vcekPem() + v.genoaChain());
    expect(appraisal.valid).toBe(false);
    expect(appraisal.failed).toContain('pinned-root');
  });

  it('rejects a report without its VCEK', () => {
    const appraisal = verify(
      evidence,
      options(),
      v.genoaChain().split('-----END CERTIFICATE-----')[0]?.concat('-----END CERTIFICATE-----'),
    );
    expect(appraisal.failed).toEqual(expect.arrayContaining(['report-signature']));
  });

  it('rejects the report once the VCEK has expired, and before it was issued', () => {
    const late = new ManualClock(Date.UTC(2029, 9, 1));
    const after = verify(evidence, options({ clock: late, expected: { reportData, issuedAt: late.now() } }));
    expect(after.failed).toEqual(['certificate-validity']);
    const early = new ManualClock(Date.UTC(2022, 0, 1));
    const before = verify(
      evidence,
      options({ clock: early, expected: { reportData, issuedAt: early.now() } }),
    );
    expect(before.failed).toEqual(['certificate-validity']);
  });

  it('rejects evidence answering a challenge older than the freshness window', () => {
    const clock = v.clock();
    const stale = verify(
      evidence,
      options({ clock, expected: { reportData, issuedAt: clock.now() - 25 * 3600_000 } }),
    );
    expect(stale.failed).toEqual(['freshness']);
    const shortWindow = verify(
      evidence,
      options({ clock, maxAgeMs: 60_000, expected: { reportData, issuedAt: clock.now() - 120_000 } }),
    );
    expect(shortWindow.failed).toEqual(['freshness']);
  });

  it('rejects report data other than what the gateway expected, and unbound evidence', () => {
    const wrong = Uint8Array.from(reportData);
    wrong[0] = 0xff;
    const clock = v.clock();
    expect(
      verify(evidence, options({ expected: { reportData: wrong, issuedAt: clock.now() } })).failed,
    ).toEqual(['report-data']);
    expect(verify(evidence, options({ expected: { issuedAt: clock.now() } })).failed).toEqual([
      'report-data',
    ]);
    // A prefix followed by zeros matches: the sample's report data is 01 02 03 04 05 then zeros.
    const prefix = verify(
      evidence,
      options({ expected: { reportData: reportData.subarray(0, 32), issuedAt: clock.now() } }),
    );
    expect(prefix.valid).toBe(true);
  });

  it('compares the measurement with reference values', () => {
    const measurement = Buffer.from(evidence.subarray(0x90, 0xc0)).toString('hex');
    expect(verify(evidence, options({ reference: { measurement } })).valid).toBe(true);
    const other = verify(evidence, options({ reference: { measurement: ['00'.repeat(48)] } }));
    expect(other.failed).toEqual(['reference-values']);
  });

  it('names unreadable evidence instead of throwing', () => {
    const appraisal = verify(evidence.subarray(0, 100));
    expect(appraisal).toMatchObject({ valid: false, failed: ['evidence-format'], claims: {} });
  });
});
