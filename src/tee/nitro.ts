import type { X509Certificate } from 'node:crypto';
import { CheckList } from './appraisal.ts';
import { isAllZero, toHex } from './bytes.ts';
import { es384, type NitroDocument, parseNitroDocument } from './nitro-document.ts';
import { appraiseBinding, appraiseDebug, appraiseFreshness, appraiseReferenceValues } from './policy.ts';
import { awsNitroRootG1Pem, trustAnchors } from './roots.ts';
import type { NitroClaims } from './schemas.ts';
import type { EvidenceInput, TeeVerifier, VerifyOptions } from './verifier.ts';
import { appraiseChain, appraiseRevocation, parseCertificates, rawEcdsaValid } from './x509.ts';

/** A debug-mode enclave reports all-zero PCR0, PCR1 and PCR2. */
export function isDebugEnclave(pcrs: ReadonlyMap<number, Uint8Array>): boolean {
  return [0, 1, 2].every((index) => {
    const value = pcrs.get(index);
    return value !== undefined && isAllZero(value);
  });
}

function nitroClaims(doc: NitroDocument): NitroClaims {
  return {
    moduleId: doc.moduleId,
    digest: doc.digest,
    timestamp: doc.timestamp,
    pcrs: Object.fromEntries([...doc.pcrs].map(([index, value]) => [String(index), toHex(value)])),
    debug: isDebugEnclave(doc.pcrs),
    userData: doc.userData ? toHex(doc.userData) : null,
    nonce: doc.nonce ? toHex(doc.nonce) : null,
    publicKey: doc.publicKey ? toHex(doc.publicKey) : null,
  };
}

/**
 * AWS Nitro Enclaves: the document's certificate chains through its cabundle to the pinned AWS
 * Nitro Enclaves Root G1 and signs the COSE_Sign1 Sig_structure with ES384.
 */
export const nitroVerifier: TeeVerifier<NitroClaims> = {
  platform: 'nitro',
  verify(input: EvidenceInput, options: VerifyOptions) {
    const checks = new CheckList();
    const now = options.clock.now();
    let doc: NitroDocument;
    try {
      doc = parseNitroDocument(input.evidence);
    } catch (error) {
      checks.fail('evidence-format', (error as Error).message);
      return checks.appraisal('nitro', {}, now);
    }
    checks.pass('evidence-format', `module ${doc.moduleId}`);
    checks.add(
      'signature-algorithm',
      doc.algorithm === es384 && doc.digest === 'SHA384',
      doc.algorithm === es384 && doc.digest === 'SHA384'
        ? 'ES384'
        : `algorithm ${doc.algorithm}, digest ${doc.digest}`,
    );

    let leaf: X509Certificate | undefined;
    try {
      [leaf] = parseCertificates(doc.certificate);
      // The cabundle runs root first; the chain is checked leaf first.
      const bundle = doc.cabundle.flatMap((der) => parseCertificates(der)).reverse();
      const chain = appraiseChain(
        checks,
        [leaf as X509Certificate, ...bundle],
        trustAnchors([awsNitroRootG1Pem], options.roots),
        now,
      );
      appraiseRevocation(checks, chain.path, options.crls, now);
    } catch (error) {
      checks.fail('certificate-chain', (error as Error).message);
    }

    if (!leaf) checks.fail('document-signature', 'no certificate to check the signature with');
    else if (rawEcdsaValid('sha384', doc.signedBytes, leaf, doc.signature))
      checks.pass('document-signature', 'ES384 by the enclave certificate');
    else checks.fail('document-signature', 'the enclave certificate did not sign this document');

    const claims = nitroClaims(doc);
    appraiseDebug(checks, claims.debug, 'the enclave runs in debug mode (PCR0–2 are zero)', options);
    appraiseBinding(checks, [
      { name: 'report-data', actual: doc.userData ?? undefined, expected: options.expected?.reportData },
      { name: 'nonce', actual: doc.nonce ?? undefined, expected: options.expected?.nonce },
    ]);
    appraiseFreshness(checks, doc.timestamp, options);
    appraiseReferenceValues(checks, claims, options);
    return checks.appraisal('nitro', claims, now);
  },
};
