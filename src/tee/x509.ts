import { constants, createHash, type KeyObject, verify, X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, CertificateList } from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import type { CheckList } from './appraisal.ts';
import { EvidenceFormatError } from './bytes.ts';

const pemBlock = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Certificates from a PEM bundle, base64 DER, or DER bytes. */
export function parseCertificates(input: string | Uint8Array): X509Certificate[] {
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  const pems = text.match(pemBlock);
  try {
    if (pems) return pems.map((pem) => new X509Certificate(pem));
    const der = typeof input === 'string' ? Buffer.from(input.trim(), 'base64') : Buffer.from(input);
    return [new X509Certificate(der)];
  } catch (error) {
    throw new EvidenceFormatError(`unreadable certificate: ${(error as Error).message}`);
  }
}

export function commonName(cert: X509Certificate): string {
  return /CN=([^\n]+)/.exec(cert.subject)?.[1] ?? cert.subject.replace(/\n/g, ', ');
}

export const notBefore = (cert: X509Certificate): number => Date.parse(cert.validFrom);
export const notAfter = (cert: X509Certificate): number => Date.parse(cert.validTo);

/**
 * Results of certificate signature checks, keyed by both certificates' SHA-256: providers re-attest
 * with the same chain, so after the first appraisal only the evidence's own signature is checked.
 */
const verifiedLinks = new Map<string, boolean>();
const verifiedLinksLimit = 4096;

/** Whether `issuer`'s key signed `cert`; a certificate with an unreadable key signed nothing. */
function signedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  const key = `${cert.fingerprint256}/${issuer.fingerprint256}`;
  const known = verifiedLinks.get(key);
  if (known !== undefined) return known;
  let signed: boolean;
  try {
    signed = cert.verify(issuer.publicKey);
  } catch {
    signed = false;
  }
  if (verifiedLinks.size >= verifiedLinksLimit)
    verifiedLinks.delete(verifiedLinks.keys().next().value as string);
  verifiedLinks.set(key, signed);
  return signed;
}

const selfSigned = (cert: X509Certificate): boolean => cert.checkIssued(cert) && signedBy(cert, cert);

/** Orders certificates from `leaf` up by issuer, using those in `pool`; unrelated ones are dropped. */
export function orderChain(leaf: X509Certificate, pool: readonly X509Certificate[]): X509Certificate[] {
  const chain = [leaf];
  const left = pool.filter((cert) => !cert.raw.equals(leaf.raw));
  for (let current = leaf; !selfSigned(current); ) {
    const index = left.findIndex((cert) => current.checkIssued(cert));
    if (index < 0) break;
    current = left.splice(index, 1)[0] as X509Certificate;
    chain.push(current);
  }
  return chain;
}

export interface ChainAppraisal {
  ok: boolean;
  /** Leaf first, ending at the pinned root when one was reached. */
  path: X509Certificate[];
}

/**
 * Checks that `chain` (leaf first) links by signature to one of `roots`, and that every certificate
 * on the path is valid at `at`. Adds `<prefix>certificate-chain`, `<prefix>pinned-root` and
 * `<prefix>certificate-validity`.
 */
export function appraiseChain(
  checks: CheckList,
  chain: readonly X509Certificate[],
  roots: readonly X509Certificate[],
  at: number,
  prefix = '',
): ChainAppraisal {
  const path = [...chain];
  const last = path.at(-1);
  if (!last) {
    checks.fail(`${prefix}certificate-chain`, 'no certificates');
    return { ok: false, path };
  }
  let rootOk: boolean;
  if (selfSigned(last)) {
    rootOk = roots.some((root) => root.raw.equals(last.raw))
      ? checks.pass(`${prefix}pinned-root`, commonName(last))
      : checks.fail(
          `${prefix}pinned-root`,
          `chain ends at "${commonName(last)}", which is not a pinned root`,
        );
  } else {
    // Matched by name, so that a broken signature to a pinned root is reported as a broken link.
    const root =
      roots.find((candidate) => last.checkIssued(candidate) && signedBy(last, candidate)) ??
      roots.find((candidate) => last.checkIssued(candidate));
    if (root) path.push(root);
    rootOk = root
      ? checks.pass(`${prefix}pinned-root`, commonName(root))
      : checks.fail(
          `${prefix}pinned-root`,
          `"${commonName(last)}" is not issued by a pinned root (issuer ${last.issuer.replace(/\n/g, ', ')})`,
        );
  }

  const broken: string[] = [];
  for (let i = 0; i + 1 < path.length; i++) {
    const [cert, issuer] = [path[i] as X509Certificate, path[i + 1] as X509Certificate];
    if (!issuer.ca) broken.push(`"${commonName(issuer)}" is not a CA`);
    else if (!cert.checkIssued(issuer)) broken.push(`"${commonName(cert)}" names another issuer`);
    else if (!signedBy(cert, issuer))
      broken.push(`"${commonName(cert)}" is not signed by "${commonName(issuer)}"`);
  }
  const linksOk =
    broken.length === 0
      ? checks.pass(`${prefix}certificate-chain`, path.map(commonName).join(' ← '))
      : checks.fail(`${prefix}certificate-chain`, broken.join('; '));

  const outside = path.filter((cert) => at < notBefore(cert) || at > notAfter(cert));
  const validityOk =
    outside.length === 0
      ? checks.pass(`${prefix}certificate-validity`)
      : checks.fail(
          `${prefix}certificate-validity`,
          outside
            .map((cert) => `"${commonName(cert)}" valid ${cert.validFrom} … ${cert.validTo}`)
            .join('; ')
            .concat(`, not at ${new Date(at).toISOString()}`),
        );
  for (const cert of path) checks.expiresNoLaterThan(notAfter(cert));
  return { ok: rootOk && linksOk && validityOk, path };
}

/** The raw value of an X.509 extension, or undefined when the certificate lacks it. */
export function extensionValue(cert: X509Certificate, oid: string): Uint8Array | undefined {
  const key = cert.fingerprint256;
  let extensions = parsedExtensions.get(key);
  if (!extensions) {
    const parsed = AsnConvert.parse(cert.raw, Certificate);
    extensions = new Map(
      (parsed.tbsCertificate.extensions ?? []).map((ext) => [
        ext.extnID,
        new Uint8Array(ext.extnValue.buffer),
      ]),
    );
    remember(parsedExtensions, key, extensions);
  }
  return extensions.get(oid);
}

/** ASN.1 parsing costs milliseconds; the same VCEK, PCK and CRLs come back on every re-attestation. */
const parsedExtensions = new Map<string, Map<string, Uint8Array>>();
const parsedCrls = new Map<string, ParsedCrl>();

function remember<T>(cache: Map<string, T>, key: string, value: T): void {
  if (cache.size >= 1024) cache.delete(cache.keys().next().value as string);
  cache.set(key, value);
}

/** Parses one DER value with asn1js, failing loudly on trailing or malformed bytes. */
export function parseDer(bytes: Uint8Array, what: string): asn1js.AsnType {
  const parsed = asn1js.fromBER(bytes);
  if (parsed.offset === -1 || parsed.offset !== bytes.byteLength)
    throw new EvidenceFormatError(`${what} is not one DER value`);
  return parsed.result;
}

const signatureHashes: Record<string, string> = {
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
};
const rsaPss = '1.2.840.113549.1.1.10';

interface ParsedCrl {
  tbs: Uint8Array;
  signature: Uint8Array;
  algorithm: string;
  thisUpdate: number;
  nextUpdate: number | undefined;
  revoked: Set<string>;
}

const serialKey = (hex: string): string => hex.toLowerCase().replace(/^0+/, '');

function parseCrl(input: Uint8Array | string): ParsedCrl {
  const key = createHash('sha256').update(input).digest('hex');
  const known = parsedCrls.get(key);
  if (known) return known;
  const parsed = parseCrlUncached(input);
  remember(parsedCrls, key, parsed);
  return parsed;
}

function parseCrlUncached(input: Uint8Array | string): ParsedCrl {
  const text = typeof input === 'string' ? input : '';
  const der =
    typeof input !== 'string'
      ? input
      : /-----BEGIN X509 CRL-----/.test(text)
        ? Buffer.from(text.replace(/-----(BEGIN|END) X509 CRL-----|\s/g, ''), 'base64')
        : Buffer.from(text.trim(), /^[0-9a-fA-F]+$/.test(text.trim()) ? 'hex' : 'base64');
  const crl = AsnConvert.parse(der, CertificateList);
  const outer = parseDer(der, 'CRL') as asn1js.Sequence;
  const tbs = (outer.valueBlock.value[0] as asn1js.Sequence).valueBeforeDecodeView;
  return {
    tbs: new Uint8Array(tbs),
    signature: new Uint8Array(crl.signature),
    algorithm: crl.signatureAlgorithm.algorithm,
    thisUpdate: crl.tbsCertList.thisUpdate.getTime().getTime(),
    nextUpdate: crl.tbsCertList.nextUpdate?.getTime().getTime(),
    revoked: new Set(
      (crl.tbsCertList.revokedCertificates ?? []).map((entry) =>
        serialKey(Buffer.from(entry.userCertificate).toString('hex')),
      ),
    ),
  };
}

function crlSignedBy(crl: ParsedCrl, issuer: X509Certificate): boolean {
  try {
    if (crl.algorithm === rsaPss)
      // AMD's profile: RSASSA-PSS with SHA-384 and a 48-byte salt.
      return verify(
        'sha384',
        crl.tbs,
        { key: issuer.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 },
        crl.signature,
      );
    const hash = signatureHashes[crl.algorithm];
    return hash !== undefined && verify(hash, crl.tbs, issuer.publicKey, crl.signature);
  } catch {
    return false;
  }
}

/**
 * Applies operator-supplied CRLs to a verified path (leaf first, root last): each CRL must be
 * signed by a certificate on the path and current at `at`, and no certificate that issuer signed
 * may be listed. Adds one `revocation` check; nothing when no CRLs were supplied.
 */
export function appraiseRevocation(
  checks: CheckList,
  path: readonly X509Certificate[],
  crls: readonly (Uint8Array | string)[] | undefined,
  at: number,
): void {
  if (!crls || crls.length === 0) return;
  const problems: string[] = [];
  const applied: string[] = [];
  for (const [index, input] of crls.entries()) {
    let crl: ParsedCrl;
    try {
      crl = parseCrl(input);
    } catch (error) {
      problems.push(`CRL ${index} is unreadable: ${(error as Error).message}`);
      continue;
    }
    const issuer = path.find((cert) => cert.ca && crlSignedBy(crl, cert));
    if (!issuer) {
      problems.push(`CRL ${index} is not signed by any CA on the chain`);
      continue;
    }
    if (at < crl.thisUpdate || (crl.nextUpdate !== undefined && at > crl.nextUpdate))
      problems.push(`CRL of "${commonName(issuer)}" is not current at ${new Date(at).toISOString()}`);
    for (const cert of path)
      if (
        !cert.raw.equals(issuer.raw) &&
        cert.checkIssued(issuer) &&
        crl.revoked.has(serialKey(cert.serialNumber))
      )
        problems.push(`"${commonName(cert)}" (serial ${cert.serialNumber}) is revoked`);
    if (crl.nextUpdate !== undefined) checks.expiresNoLaterThan(crl.nextUpdate);
    applied.push(commonName(issuer));
  }
  if (problems.length > 0) checks.fail('revocation', problems.join('; '));
  else checks.pass('revocation', `CRLs of ${applied.join(', ')}`);
}

/** The certificate in a bundle that issued none of the others: the end-entity certificate. */
export function findLeaf(certs: readonly X509Certificate[]): X509Certificate | undefined {
  return certs.find(
    (cert) => !certs.some((other) => other !== cert && !selfSigned(other) && other.checkIssued(cert)),
  );
}

/** ECDSA over `data` with a raw r ‖ s signature; false (never a throw) for a wrong key type or size. */
export function rawEcdsaValid(
  hash: string,
  data: Uint8Array,
  signer: X509Certificate | KeyObject,
  signature: Uint8Array,
): boolean {
  try {
    const key = signer instanceof X509Certificate ? signer.publicKey : signer;
    return verify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}
