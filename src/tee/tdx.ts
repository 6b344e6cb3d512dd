import { createHash, createPublicKey, type KeyObject, type X509Certificate } from 'node:crypto';
import { CheckList } from './appraisal.ts';
import { bytesEqual, isAllZero, toHex } from './bytes.ts';
import { appraiseBinding, appraiseDebug, appraiseFreshness, appraiseReferenceValues } from './policy.ts';
import { intelSgxRootCaPem, trustAnchors } from './roots.ts';
import type { TdxClaims } from './schemas.ts';
import { appraiseTdxCollateral, type CollateralVerdict } from './tdx-collateral.ts';
import { type PckExtensions, pckExtensions } from './tdx-pck.ts';
import { parseTdxQuote, type TdxQuote } from './tdx-quote.ts';
import type { EvidenceInput, TeeVerifier, VerifyOptions } from './verifier.ts';
import {
  appraiseChain,
  appraiseRevocation,
  findLeaf,
  orderChain,
  parseCertificates,
  rawEcdsaValid,
} from './x509.ts';

/** The quote's attestation key, a raw P-256 point, as a key node:crypto can verify with. */
function attestationKey(point: Uint8Array): KeyObject {
  const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
  return createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: b64url(point.subarray(0, 32)), y: b64url(point.subarray(32, 64)) },
    format: 'jwk',
  });
}

function tdxClaims(quote: TdxQuote, pck: PckExtensions | undefined, verdict: CollateralVerdict): TdxClaims {
  const td = quote.td;
  return {
    version: quote.version,
    teeTcbSvn: toHex(td.teeTcbSvn),
    mrSeam: toHex(td.mrSeam),
    mrSignerSeam: toHex(td.mrSignerSeam),
    seamAttributes: toHex(td.seamAttributes),
    tdAttributes: toHex(td.tdAttributes),
    debug: ((td.tdAttributes[0] as number) & 1) === 1,
    xfam: toHex(td.xfam),
    mrTd: toHex(td.mrTd),
    mrConfigId: toHex(td.mrConfigId),
    mrOwner: toHex(td.mrOwner),
    mrOwnerConfig: toHex(td.mrOwnerConfig),
    rtmr0: toHex(td.rtmrs[0]),
    rtmr1: toHex(td.rtmrs[1]),
    rtmr2: toHex(td.rtmrs[2]),
    rtmr3: toHex(td.rtmrs[3]),
    reportData: toHex(td.reportData),
    mrServiceTd: td.mrServiceTd ? toHex(td.mrServiceTd) : null,
    fmspc: pck ? toHex(pck.fmspc) : null,
    pceId: pck ? toHex(pck.pceId) : null,
    tcbStatus: verdict.tcbStatus,
    advisoryIds: verdict.advisoryIds,
  };
}

function appraiseQuotingEnclave(checks: CheckList, quote: TdxQuote, pck: X509Certificate | undefined): void {
  if (!pck) checks.fail('qe-report-signature', 'no PCK certificate to check the QE report with');
  else if (rawEcdsaValid('sha256', quote.qeReport.raw, pck, quote.qeReportSignature))
    checks.pass('qe-report-signature', 'ECDSA P-256 by the PCK key');
  else checks.fail('qe-report-signature', 'the PCK key did not sign this QE report');

  // The QE vouches for the attestation key by putting its hash in the report it got signed.
  const digest = createHash('sha256').update(quote.attestationKey).update(quote.qeAuthData).digest();
  const reportData = quote.qeReport.reportData;
  if (bytesEqual(reportData.subarray(0, 32), digest) && isAllZero(reportData.subarray(32)))
    checks.pass('qe-report-data', 'SHA-256(attestation key ‖ QE auth data)');
  else checks.fail('qe-report-data', 'the QE report does not bind this attestation key');
}

/**
 * Intel TDX: the PCK chain in the quote leads to the pinned Intel SGX Root CA, the PCK key signs
 * the QE report, the QE report binds the attestation key, and that key signs header ‖ TD report.
 * With operator-supplied collateral it also appraises TCB info, QE identity and CRLs.
 */
export const tdxVerifier: TeeVerifier<TdxClaims> = {
  platform: 'tdx',
  verify(input: EvidenceInput, options: VerifyOptions) {
    const checks = new CheckList();
    const now = options.clock.now();
    let quote: TdxQuote;
    try {
      quote = parseTdxQuote(input.evidence);
    } catch (error) {
      checks.fail('evidence-format', (error as Error).message);
      return checks.appraisal('tdx', {}, now);
    }
    checks.pass('evidence-format', `quote v${quote.version}`);

    let pck: X509Certificate | undefined;
    let extensions: PckExtensions | undefined;
    try {
      const certs = parseCertificates(quote.pckChainPem);
      pck = findLeaf(certs);
      if (!pck) throw new Error('the quote carries no PCK certificate');
      const chain = appraiseChain(
        checks,
        orderChain(pck, certs),
        trustAnchors([intelSgxRootCaPem], options.roots),
        now,
      );
      appraiseRevocation(checks, chain.path, options.crls, now);
    } catch (error) {
      checks.fail('certificate-chain', (error as Error).message);
    }
    if (pck) {
      const leaf = pck;
      checks.attempt('pck-extensions', () => {
        extensions = pckExtensions(leaf);
        return `FMSPC ${toHex(extensions.fmspc)}`;
      });
    }
    appraiseQuotingEnclave(checks, quote, pck);

    let signed = false;
    try {
      signed = rawEcdsaValid(
        'sha256',
        quote.signedBytes,
        attestationKey(quote.attestationKey),
        quote.signature,
      );
    } catch {
      signed = false;
    }
    if (signed) checks.pass('quote-signature', 'ECDSA P-256 by the attestation key');
    else checks.fail('quote-signature', 'the attestation key did not sign this header and TD report');

    const verdict = appraiseTdxCollateral(checks, quote, extensions, options);
    const claims = tdxClaims(quote, extensions, verdict);
    appraiseDebug(checks, claims.debug, 'the TD is debuggable (TD attributes bit 0)', options);
    appraiseBinding(checks, [
      { name: 'report-data', actual: quote.td.reportData, expected: options.expected?.reportData },
      { name: 'nonce', actual: undefined, expected: options.expected?.nonce },
    ]);
    appraiseFreshness(checks, undefined, options);
    appraiseReferenceValues(checks, claims, options);
    return checks.appraisal('tdx', claims, now);
  },
};
