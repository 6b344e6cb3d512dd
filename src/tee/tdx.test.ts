import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../shared/index.ts';
import { awsNitroRootG1Pem } from './roots.ts';
import { tdxVerifier } from './tdx.ts';
import { flipBit, vectors } from './testing.ts';
import { signTdxQuote } from './testing-evidence.ts';
import type { VerifyOptions } from './verifier.ts';

const v = vectors.tdx;
const evidence = v.evidence();
const reportDataAt = 48 + 520;
const reportData = evidence.subarray(reportDataAt, reportDataAt + 64);
/** Header and TD report: the bytes the attestation key signs. */
const signedLength = 48 + 584;

function options(overrides: Partial<VerifyOptions> = {}): VerifyOptions {
  const clock = v.clock();
  return { clock, expected: { reportData, issuedAt: clock.now() }, ...overrides };
}
const verify = (bytes: Uint8Array, opts = options()) => tdxVerifier.verify({ evidence: bytes }, opts);

describe('TDX verifier', () => {
  it('accepts the real Sapphire Rapids quote v4 at 2023-07-01, chained to the pinned Intel SGX Root CA', () => {
    const appraisal = verify(evidence);
    expect(appraisal.failed).toEqual([]);
    expect(appraisal.valid).toBe(true);
    expect(appraisal.claims).toMatchObject({
      version: 4,
      debug: false,
      tdAttributes: '0000004000000000',
      fmspc: '50806f000000',
      mrTd: '6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e119d7215cbb',
      rtmr0: expect.stringMatching(/^2927da70/),
      mrSeam: expect.stringMatching(/^2fd279c1/),
    });
    expect(appraisal.checks.filter((check) => check.ok).map((check) => check.name)).toEqual(
      expect.arrayContaining(['qe-report-signature', 'qe-report-data', 'quote-signature', 'pck-extensions']),
    );
  });

  it('rejects any flipped bit in the header or TD report, naming the quote signature', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: signedLength * 8 - 1 }), (bit) => {
        const appraisal = verify(flipBit(evidence, bit));
        expect(appraisal.valid).toBe(false);
        // Flips in version, key type and TEE type may make the quote unreadable instead.
        if (bit >= 64) expect(appraisal.failed).toContain('quote-signature');
        else
          expect(appraisal.failed.some((name) => ['evidence-format', 'quote-signature'].includes(name))).toBe(
            true,
          );
      }),
      { numRuns: 40 },
    );
  });

  it('rejects a flipped bit in the quote signature, the QE report, and the binding of the attestation key', () => {
    const quoteSignature = (signedLength + 4) * 8;
    expect(verify(flipBit(evidence, quoteSignature + 3)).failed).toEqual(['quote-signature']);
    const attestationKey = quoteSignature + 64 * 8;
    expect(verify(flipBit(evidence, attestationKey + 9)).failed).toEqual(
      expect.arrayContaining(['qe-report-data', 'quote-signature']),
    );
    const qeReport = attestationKey + (64 + 6) * 8;
    expect(verify(flipBit(evidence, qeReport + 130 * 8)).failed).toContain('qe-report-signature');
  });

  it('rejects a chain to a root that is not pinned', () => {
    const appraisal = verify(evidence, options({ roots: [awsNitroRootG1Pem] }));
    expect(appraisal.failed).toEqual(['pinned-root']);
  });

  it('rejects a self-consistent quote from a test PKI, though every signature holds', () => {
    const clock = v.clock();
    const synthetic = signTdxQuote({ version: 4, reportData });
    const appraisal = verify(synthetic.evidence, options({ clock }));
    expect(appraisal.failed).toEqual(['pinned-root']);
  });

  it('reads quote v5 (TDX 1.0 body with a descriptor) and rejects a debuggable TD unless allowed', () => {
    const debugTd = signTdxQuote({
      version: 5,
      reportData,
      tdAttributes: Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0),
    });
    const opts = options({ roots: [debugTd.root.pem] });
    const refused = verify(debugTd.evidence, opts);
    expect(refused.claims).toMatchObject({ version: 5, debug: true, fmspc: '50806f000000' });
    expect(refused.failed).toEqual(['debug-policy']);
    expect(verify(debugTd.evidence, { ...opts, allowDebug: true }).valid).toBe(true);
    const production = signTdxQuote({ version: 5, reportData });
    expect(verify(production.evidence, options({ roots: [production.root.pem] })).valid).toBe(true);
  });

  it('rejects the quote once the PCK certificate has expired', () => {
    const late = new ManualClock(Date.UTC(2029, 9, 1));
    const appraisal = verify(
      evidence,
      options({ clock: late, expected: { reportData, issuedAt: late.now() } }),
    );
    expect(appraisal.failed).toEqual(['certificate-validity']);
  });

  it('rejects stale evidence and evidence bound to other report data', () => {
    const clock = v.clock();
    expect(
      verify(evidence, options({ expected: { reportData, issuedAt: clock.now() - 86_400_001 } })).failed,
    ).toEqual(['freshness']);
    const other = flipBit(reportData, 0);
    expect(
      verify(evidence, options({ expected: { reportData: other, issuedAt: clock.now() } })).failed,
    ).toEqual(['report-data']);
    expect(
      verify(evidence, options({ expected: { reportData, nonce: other, issuedAt: clock.now() } })).failed,
    ).toEqual(['nonce']);
  });

  it('compares MRTD and RTMRs with reference values', () => {
    const { mrTd, rtmr1 } = verify(evidence).claims as { mrTd: string; rtmr1: string };
    expect(verify(evidence, options({ reference: { mrTd, rtmr1: [rtmr1, 'ab'] } })).valid).toBe(true);
    expect(verify(evidence, options({ reference: { rtmr3: 'ff'.repeat(48) } })).failed).toEqual([
      'reference-values',
    ]);
  });
});

describe('TDX collateral', () => {
  const collateral = () => ({
    tcbInfo: v.tcbInfo(),
    qeIdentity: v.qeIdentity(),
    issuerChain: v.tcbSigningChain(),
  });

  it('verifies the Intel-signed QE identity and applies the PCK and root CRLs', () => {
    const appraisal = verify(
      evidence,
      options({ crls: [v.pckCrl(), v.rootCrl()], tdxCollateral: { ...collateral(), tcbInfo: undefined } }),
    );
    expect(appraisal.failed).toEqual([]);
    expect(appraisal.checks.filter((check) => check.ok).map((check) => check.name)).toEqual(
      expect.arrayContaining(['revocation', 'collateral-signature', 'collateral-pinned-root', 'qe-identity']),
    );
    // The freshness window (24 h from the challenge) ends before the CRLs' next update.
    expect(appraisal.expiresAt).toBe('2023-07-02T00:00:00.000Z');
  });

  it('verifies the TCB info signature and finds no TCB level for this older platform', () => {
    const appraisal = verify(evidence, options({ tdxCollateral: collateral() }));
    expect(appraisal.failed).toEqual(['tcb-info']);
    expect(appraisal.checks.find((check) => check.name === 'tcb-info')?.detail).toMatch(/no TCB level/);
    expect(appraisal.checks.find((check) => check.name === 'collateral-signature')?.ok).toBe(true);
  });

  it('rejects collateral whose signed text was altered or that has no issuer chain', () => {
    const altered = v.tcbInfo().replace('"tcbEvaluationDataNumber":15', '"tcbEvaluationDataNumber":16');
    const appraisal = verify(evidence, options({ tdxCollateral: { ...collateral(), tcbInfo: altered } }));
    expect(appraisal.failed).toContain('collateral-signature');
    const unsigned = verify(
      evidence,
      options({ tdxCollateral: { ...collateral(), issuerChain: undefined } }),
    );
    expect(unsigned.failed).toContain('collateral-signature');
  });

  it('rejects collateral and CRLs that are out of date at the injected clock', () => {
    const later = new ManualClock(Date.UTC(2023, 7, 1));
    const appraisal = verify(
      evidence,
      options({
        clock: later,
        expected: { reportData, issuedAt: later.now() },
        crls: [v.pckCrl()],
        tdxCollateral: { ...collateral(), tcbInfo: undefined },
      }),
    );
    expect(appraisal.failed).toEqual(['revocation', 'qe-identity']);
  });
});
