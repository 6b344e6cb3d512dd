import type { X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import { CheckList } from './appraisal.ts';
import { bytesEqual, EvidenceFormatError, isAllZero, toHex } from './bytes.ts';
import { appraiseBinding, appraiseDebug, appraiseFreshness, appraiseReferenceValues } from './policy.ts';
import { amdArkGenoaPem, amdArkMilanPem, trustAnchors } from './roots.ts';
import type { SnpClaims } from './schemas.ts';
import { decodeTcb, parseSnpReport, policyBits, type SnpReport } from './sev-snp-report.ts';
import type { EvidenceInput, TeeVerifier, VerifyOptions } from './verifier.ts';
import {
  appraiseChain,
  appraiseRevocation,
  extensionValue,
  findLeaf,
  orderChain,
  parseCertificates,
  parseDer,
  rawEcdsaValid,
} from './x509.ts';

const amdOid = '1.3.6.1.4.1.3704.1';
const vcekOids = {
  productName: `${amdOid}.2`,
  bootloader: `${amdOid}.3.1`,
  tee: `${amdOid}.3.2`,
  snp: `${amdOid}.3.3`,
  microcode: `${amdOid}.3.8`,
  hardwareId: `${amdOid}.4`,
} as const;

const signingKeys = [
  'vcek',
  'vlek',
  'reserved',
  'reserved',
  'reserved',
  'reserved',
  'reserved',
  'none',
] as const;

function snpClaims(report: SnpReport, product: string | null): SnpClaims {
  return {
    version: report.version,
    product,
    guestSvn: report.guestSvn,
    policy: report.policy.toString(16).padStart(16, '0'),
    debug: (report.policy & policyBits.debug) !== 0n,
    migrateMa: (report.policy & policyBits.migrateMa) !== 0n,
    smt: (report.policy & policyBits.smt) !== 0n,
    vmpl: report.vmpl,
    signingKey: signingKeys[report.signingKey] ?? 'reserved',
    measurement: toHex(report.measurement),
    reportData: toHex(report.reportData),
    hostData: toHex(report.hostData),
    familyId: toHex(report.familyId),
    imageId: toHex(report.imageId),
    idKeyDigest: toHex(report.idKeyDigest),
    authorKeyDigest: toHex(report.authorKeyDigest),
    reportId: toHex(report.reportId),
    chipId: toHex(report.chipId),
    reportedTcb: decodeTcb(report.reportedTcb),
    currentTcb: decodeTcb(report.currentTcb),
    committedTcb: decodeTcb(report.committedTcb),
    launchTcb: decodeTcb(report.launchTcb),
  };
}

function integerExtension(vcek: X509Certificate, oid: string): number | undefined {
  const value = extensionValue(vcek, oid);
  if (!value) return undefined;
  const parsed = parseDer(value, oid);
  if (!(parsed instanceof asn1js.Integer))
    throw new EvidenceFormatError(`VCEK extension ${oid} is not an INTEGER`);
  return parsed.valueBlock.valueDec;
}

function hardwareId(vcek: X509Certificate): Uint8Array | undefined {
  const value = extensionValue(vcek, vcekOids.hardwareId);
  if (!value || value.length === 64) return value;
  const parsed = parseDer(value, 'hwID');
  if (!(parsed instanceof asn1js.OctetString))
    throw new EvidenceFormatError('VCEK hwID is not an OCTET STRING');
  return new Uint8Array(parsed.valueBlock.valueHexView);
}

function productName(vcek: X509Certificate): string | null {
  const value = extensionValue(vcek, vcekOids.productName);
  if (!value) return null;
  const parsed = parseDer(value, 'productName');
  return parsed instanceof asn1js.IA5String ? parsed.valueBlock.value : null;
}

function appraiseVcekBinding(checks: CheckList, vcek: X509Certificate, report: SnpReport): void {
  checks.attempt('vcek-chip-id', () => {
    const id = hardwareId(vcek);
    if (!id) throw new Error('the VCEK has no hwID extension');
    if (report.maskChipId || isAllZero(report.chipId)) throw new Error('the report masks its chip id');
    if (!bytesEqual(id, report.chipId))
      throw new Error(`VCEK is for chip ${toHex(id)}, report from ${toHex(report.chipId)}`);
    return undefined;
  });
  checks.attempt('vcek-tcb', () => {
    const reported = decodeTcb(report.reportedTcb);
    const parts = ['bootloader', 'tee', 'snp', 'microcode'] as const;
    const wrong = parts.filter((part) => integerExtension(vcek, vcekOids[part]) !== reported[part]);
    if (wrong.length > 0)
      throw new Error(
        `VCEK TCB differs from the report's reported_tcb in ${wrong.join(', ')} (${parts.map((p) => `${p}=${integerExtension(vcek, vcekOids[p])}`).join(' ')} vs ${parts.map((p) => `${p}=${reported[p]}`).join(' ')})`,
      );
    return `bl=${reported.bootloader} tee=${reported.tee} snp=${reported.snp} ucode=${reported.microcode}`;
  });
}

/**
 * AMD SEV-SNP: the VCEK chains ARK → ASK → VCEK (RSA-PSS) to a pinned ARK (Milan or Genoa), its
 * extensions match the report's chip id and reported TCB, and it signs report bytes 0x000–0x29F
 * with ECDSA P-384 / SHA-384.
 */
export const sevSnpVerifier: TeeVerifier<SnpClaims> = {
  platform: 'sev-snp',
  verify(input: EvidenceInput, options: VerifyOptions) {
    const checks = new CheckList();
    const now = options.clock.now();
    let report: SnpReport;
    try {
      report = parseSnpReport(input.evidence);
    } catch (error) {
      checks.fail('evidence-format', (error as Error).message);
      return checks.appraisal('sev-snp', {}, now);
    }
    checks.pass('evidence-format', `report v${report.version}`);
    checks.add(
      'signature-algorithm',
      report.signatureAlgorithm === 1,
      report.signatureAlgorithm === 1
        ? 'ECDSA P-384 with SHA-384'
        : `unknown algorithm ${report.signatureAlgorithm}`,
    );
    checks.add(
      'signing-key',
      report.signingKey === 0,
      report.signingKey === 0
        ? 'VCEK'
        : `signed with ${signingKeys[report.signingKey]}; only VCEK-signed reports are supported`,
    );

    let vcek: X509Certificate | undefined;
    let product: string | null = null;
    try {
      const certs = input.certificates ? parseCertificates(input.certificates) : [];
      vcek = findLeaf(certs);
      if (!vcek) throw new EvidenceFormatError('no VCEK certificate was supplied');
      product = productName(vcek);
      const roots = trustAnchors([amdArkMilanPem, amdArkGenoaPem], options.roots);
      const chain = appraiseChain(checks, orderChain(vcek, certs), roots, now);
      appraiseRevocation(checks, chain.path, options.crls, now);
      appraiseVcekBinding(checks, vcek, report);
    } catch (error) {
      checks.fail('certificate-chain', (error as Error).message);
    }

    if (!vcek) checks.fail('report-signature', 'no VCEK to check the signature with');
    else if (rawEcdsaValid('sha384', report.signedBytes, vcek, report.signature))
      checks.pass('report-signature', 'ECDSA P-384 by the VCEK');
    else checks.fail('report-signature', 'the VCEK did not sign these report bytes');

    const claims = snpClaims(report, product);
    appraiseDebug(checks, claims.debug, `guest policy ${claims.policy} allows debugging`, options);
    appraiseBinding(checks, [
      { name: 'report-data', actual: report.reportData, expected: options.expected?.reportData },
      { name: 'nonce', actual: undefined, expected: options.expected?.nonce },
    ]);
    appraiseFreshness(checks, undefined, options);
    appraiseReferenceValues(checks, claims, options);
    return checks.appraisal('sev-snp', claims, now);
  },
};
