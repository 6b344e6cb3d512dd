import { createHash } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { decode, encode } from 'cbor2';
import { ed25519Signer, once, verifyEd25519 } from '../shared/index.ts';
import { CheckList } from './appraisal.ts';
import { toHex } from './bytes.ts';
import { appraiseBinding, appraiseDebug, appraiseFreshness, appraiseReferenceValues } from './policy.ts';
import type { SimClaims } from './schemas.ts';
import type { EvidenceInput, TeeVerifier, VerifyOptions } from './verifier.ts';

/**
 * DEVELOPMENT ONLY. The `sim` platform stands in for TEE hardware so the whole attestation flow
 * (challenge, binding, appraisal, TEE routing, surcharge, expiry, slashing) runs on any machine.
 * Its signing key is derived from a public string: anyone can produce "valid" sim evidence, so it
 * proves nothing about where code runs, and the gateway refuses it unless PARLEY_TEE_SIM is on.
 */
const simKey = once(() => {
  const seed = createHash('sha256')
    .update('parley/tee-sim/v1: development only; anyone can sign with this key')
    .digest();
  // Made on first use: deriving the public key costs tens of ms, not to be paid at every start.
  return { publicKey: ed25519.getPublicKey(seed), sign: ed25519Signer(seed) };
});

/** The public key sim evidence is checked against (derived from a public string). */
export const simPublicKey = (): Uint8Array => simKey().publicKey;
const format = 'parley-sim/v1';

export interface SimReport {
  /** The "code hash" a policy pins, 48 bytes like SEV-SNP's measurement. */
  measurement: Uint8Array;
  /** 64 bytes: the binding to the gateway's challenge, then zeros. */
  reportData: Uint8Array;
  debug: boolean;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

/** Sim evidence: CBOR `[report, Ed25519 signature over report]`, the report a CBOR map. */
export function simEvidence(report: SimReport): Uint8Array {
  const body = encode({
    format,
    // Plain Uint8Arrays: CBOR would tag a Buffer subclass differently.
    measurement: Uint8Array.from(report.measurement),
    report_data: Uint8Array.from(report.reportData),
    debug: report.debug,
    timestamp: report.timestamp,
  });
  return encode([body, simKey().sign(body)]);
}

/** The measurement a sim provider reports unless told otherwise: SHA-384 of its name and version. */
export function defaultSimMeasurement(version: string): Uint8Array {
  return new Uint8Array(createHash('sha384').update(`parley-provider/${version}`).digest());
}

function parse(evidence: Uint8Array): { body: Uint8Array; signature: Uint8Array; report: SimReport } {
  const outer = decode(evidence);
  if (!Array.isArray(outer) || outer.length !== 2) throw new Error('not a CBOR [report, signature] pair');
  const [body, signature] = outer as unknown[];
  if (!(body instanceof Uint8Array) || !(signature instanceof Uint8Array))
    throw new Error('report and signature must be byte strings');
  const fields = decode(body) as Record<string, unknown>;
  if (fields === null || typeof fields !== 'object' || fields.format !== format)
    throw new Error(`the report is not ${format}`);
  const { measurement, report_data, debug, timestamp } = fields;
  if (!(measurement instanceof Uint8Array) || measurement.length !== 48)
    throw new Error('measurement must be 48 bytes');
  if (!(report_data instanceof Uint8Array) || report_data.length !== 64)
    throw new Error('report_data must be 64 bytes');
  if (typeof debug !== 'boolean') throw new Error('debug must be a boolean');
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp))
    throw new Error('timestamp must be an integer');
  return { body, signature, report: { measurement, reportData: report_data, debug, timestamp } };
}

/** Verifies sim evidence exactly as a hardware verifier would, against the public sim key. */
export const simVerifier: TeeVerifier<SimClaims> = {
  platform: 'sim',
  verify(input: EvidenceInput, options: VerifyOptions) {
    const checks = new CheckList();
    const now = options.clock.now();
    let parsed: ReturnType<typeof parse>;
    try {
      parsed = parse(input.evidence);
    } catch (error) {
      checks.fail('evidence-format', (error as Error).message);
      return checks.appraisal('sim', {}, now);
    }
    checks.pass('evidence-format', `${format} (development only: not evidence of a real TEE)`);
    if (verifyEd25519(parsed.signature, parsed.body, simPublicKey()))
      checks.pass('report-signature', 'Ed25519 by the public sim key');
    else checks.fail('report-signature', 'the sim key did not sign this report');
    const { report } = parsed;
    const claims: SimClaims = {
      measurement: toHex(report.measurement),
      reportData: toHex(report.reportData),
      debug: report.debug,
      timestamp: report.timestamp,
    };
    appraiseDebug(checks, report.debug, 'the sim report says debug', options);
    appraiseBinding(checks, [
      { name: 'report-data', actual: report.reportData, expected: options.expected?.reportData },
    ]);
    appraiseFreshness(checks, report.timestamp, options);
    appraiseReferenceValues(checks, claims, options);
    return checks.appraisal('sim', claims, now);
  },
};
