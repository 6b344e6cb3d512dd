import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../shared/index.ts';
import { isDebugEnclave, nitroVerifier } from './nitro.ts';
import { parseNitroDocument } from './nitro-document.ts';
import { intelSgxRootCaPem } from './roots.ts';
import { flipBit, vectors } from './testing.ts';
import { signNitroDocument } from './testing-evidence.ts';
import type { VerifyOptions } from './verifier.ts';

const v = vectors.nitro;
const evidence = v.evidence();
const sample = parseNitroDocument(evidence);
const userData = sample.userData as Uint8Array;
const nonce = sample.nonce as Uint8Array;

const options = (overrides: Partial<VerifyOptions> = {}): VerifyOptions => ({
  clock: v.clock(),
  expected: { reportData: userData, nonce },
  ...overrides,
});
const verify = (bytes: Uint8Array, opts = options()) => nitroVerifier.verify({ evidence: bytes }, opts);

/** Where the COSE payload (the signed attestation document) lies inside the evidence. */
const payloadStart = Buffer.from(evidence).indexOf(Buffer.from('module_id'));

describe('Nitro verifier', () => {
  it('accepts the real attestation document at 2024-09-07 15:00 UTC, chained to AWS Nitro Enclaves Root G1', () => {
    const appraisal = verify(evidence);
    expect(appraisal.failed).toEqual([]);
    expect(appraisal.valid).toBe(true);
    expect(appraisal.claims).toMatchObject({
      moduleId: 'i-0a22e5c5f24d22174-enc0191cceb4289903f',
      digest: 'SHA384',
      timestamp: 1725719859545,
      debug: false,
      pcrs: { '0': expect.stringMatching(/^e72a46ca/), '3': '00'.repeat(48) },
    });
    // The 3-hour leaf certificate bounds the appraisal.
    expect(appraisal.expiresAt).toBe('2024-09-07T17:37:39.000Z');
  });

  it('rejects flipped bits in the signed payload, naming the document signature', () => {
    fc.assert(
      fc.property(fc.integer({ min: payloadStart * 8, max: (evidence.length - 100) * 8 - 1 }), (bit) => {
        const appraisal = verify(flipBit(evidence, bit));
        expect(appraisal.valid).toBe(false);
        expect(
          appraisal.failed.some((name) => ['document-signature', 'evidence-format'].includes(name)),
        ).toBe(true);
      }),
      { numRuns: 40 },
    );
    // A flip inside PCR0's value keeps the CBOR readable, so only the signature can catch it.
    const pcr0 = Buffer.from(evidence).indexOf(Buffer.from(sample.pcrs.get(0) as Uint8Array));
    expect(verify(flipBit(evidence, pcr0 * 8 + 3)).failed).toEqual(['document-signature']);
  });

  it('rejects a flipped bit in the signature', () => {
    expect(verify(flipBit(evidence, evidence.length * 8 - 20)).failed).toEqual(['document-signature']);
  });

  it('rejects a chain to a root that is not pinned, even when every signature holds', () => {
    expect(verify(evidence, options({ roots: [intelSgxRootCaPem] })).failed).toEqual(['pinned-root']);
    const forged = signNitroDocument({ pcrs: sample.pcrs, timestamp: sample.timestamp, userData, nonce });
    expect(verify(forged.evidence).failed).toEqual(['pinned-root']);
    expect(verify(forged.evidence, options({ roots: [forged.root.pem] })).valid).toBe(true);
  });

  it('recognises a debug enclave by its zero PCR0–2 and rejects it unless policy allows', () => {
    const zeros = new Map([0, 1, 2, 3, 4].map((index) => [index, new Uint8Array(48)] as const));
    const debug = signNitroDocument({
      pcrs: zeros,
      timestamp: sample.timestamp,
      userData,
      nonce,
      tagged: true,
    });
    const opts = options({ roots: [debug.root.pem] });
    const refused = verify(debug.evidence, opts);
    expect(refused.claims).toMatchObject({ debug: true });
    expect(refused.failed).toEqual(['debug-policy']);
    expect(verify(debug.evidence, { ...opts, allowDebug: true }).valid).toBe(true);
    expect(isDebugEnclave(sample.pcrs)).toBe(false);
  });

  it('rejects the document once its 3-hour leaf certificate has expired', () => {
    const late = options({ clock: new ManualClock(Date.parse('2024-09-07T18:00:00Z')) });
    expect(verify(evidence, late).failed).toEqual(['certificate-validity']);
  });

  it('rejects a document older than the freshness window, or from the future', () => {
    expect(verify(evidence, options({ maxAgeMs: 10 * 60_000 })).failed).toEqual(['freshness']);
    const early = options({ clock: new ManualClock(Date.parse('2024-09-07T14:20:00Z')) });
    // 20 minutes before the document: its leaf certificate was not yet valid either.
    expect(verify(evidence, early).failed).toEqual(['certificate-validity', 'freshness']);
  });

  it('rejects user data or a nonce other than what the gateway expected, and unbound documents', () => {
    expect(
      verify(evidence, options({ expected: { reportData: flipBit(userData, 7), nonce } })).failed,
    ).toEqual(['report-data']);
    expect(verify(evidence, options({ expected: { nonce: flipBit(nonce, 7) } })).failed).toEqual(['nonce']);
    expect(verify(evidence, options({ expected: {} })).failed).toEqual(['report-data']);
    expect(verify(evidence, options({ expected: { nonce } })).valid).toBe(true);
  });

  it('compares PCRs with reference values', () => {
    const pcr0 = Buffer.from(sample.pcrs.get(0) as Uint8Array).toString('hex');
    expect(verify(evidence, options({ reference: { 'pcrs.0': pcr0 } })).valid).toBe(true);
    expect(verify(evidence, options({ reference: { 'pcrs.1': pcr0 } })).failed).toEqual(['reference-values']);
    expect(verify(evidence, options({ reference: { 'pcrs.99': pcr0 } })).failed).toEqual([
      'reference-values',
    ]);
  });
});
