import { createHash, generateKeyPairSync, type KeyObject, sign, X509Certificate } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  BasicConstraints,
  Certificate,
  CertificateList,
  Extension,
  Extensions,
  Name,
  RelativeDistinguishedName,
  RevokedCertificate,
  SubjectPublicKeyInfo,
  TBSCertificate,
  TBSCertList,
  Time,
  Validity,
  Version,
} from '@peculiar/asn1-x509';

/** A test certificate authority's certificate and key, for evidence signed by a root nobody pins. */
export interface TestCertificate {
  cert: X509Certificate;
  pem: string;
  key: KeyObject;
}

const ecdsaWith = { sha256: '1.2.840.10045.4.3.2', sha384: '1.2.840.10045.4.3.3' } as const;
const curves = { sha256: 'P-256', sha384: 'P-384' } as const;

export interface IssueOptions {
  subject: string;
  issuer?: TestCertificate;
  ca?: boolean;
  hash?: keyof typeof ecdsaWith;
  notBefore?: Date;
  notAfter?: Date;
  /** Extra extensions: OID → DER value. */
  extensions?: Record<string, Uint8Array>;
}

const name = (cn: string) =>
  new Name([
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({ type: '2.5.4.3', value: new AttributeValue({ utf8String: cn }) }),
    ]),
  ]);

/** Eight bytes from the subject, high bit clear so DER reads it as a positive INTEGER. */
function positiveSerial(subject: string): ArrayBuffer {
  const serial = new Uint8Array(createHash('sha256').update(subject).digest().subarray(0, 8));
  serial[0] = (serial[0] as number) & 0x7f;
  return serial.buffer;
}

/** Issues an ECDSA certificate: self-signed when no issuer is given. For tests only. */
export function issueCertificate(options: IssueOptions): TestCertificate {
  const hash = options.hash ?? 'sha384';
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: curves[hash] });
  const signer = options.issuer?.key ?? privateKey;
  const issuerHash = options.issuer
    ? options.issuer.key.asymmetricKeyDetails?.namedCurve === 'prime256v1'
      ? 'sha256'
      : 'sha384'
    : hash;
  const algorithm = new AlgorithmIdentifier({ algorithm: ecdsaWith[issuerHash] });
  const extensions = [
    new Extension({
      extnID: '2.5.29.19',
      critical: true,
      extnValue: new OctetString(AsnConvert.serialize(new BasicConstraints({ cA: options.ca ?? false }))),
    }),
    ...Object.entries(options.extensions ?? {}).map(
      ([oid, value]) => new Extension({ extnID: oid, critical: false, extnValue: new OctetString(value) }),
    ),
  ];
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: positiveSerial(options.subject),
    signature: algorithm,
    issuer: options.issuer
      ? AsnConvert.parse(options.issuer.cert.raw, Certificate).tbsCertificate.subject
      : name(options.subject),
    validity: new Validity({
      notBefore: options.notBefore ?? new Date(Date.UTC(2020, 0, 1)),
      notAfter: options.notAfter ?? new Date(Date.UTC(2040, 0, 1)),
    }),
    subject: name(options.subject),
    subjectPublicKeyInfo: AsnConvert.parse(
      publicKey.export({ type: 'spki', format: 'der' }),
      SubjectPublicKeyInfo,
    ),
    extensions: new Extensions(extensions),
  });
  const signature = sign(issuerHash, Buffer.from(AsnConvert.serialize(tbs)), signer);
  const der = Buffer.from(
    AsnConvert.serialize(
      new Certificate({
        tbsCertificate: tbs,
        signatureAlgorithm: algorithm,
        signatureValue: new Uint8Array(signature).buffer,
      }),
    ),
  );
  const cert = new X509Certificate(der);
  return { cert, pem: cert.toString(), key: privateKey };
}

/** Root → intermediate → leaf, all ECDSA, for the platform's curve. */
export function issueChain(
  hash: 'sha256' | 'sha384' = 'sha384',
  leafExtensions?: Record<string, Uint8Array>,
) {
  const root = issueCertificate({ subject: 'Test Root', ca: true, hash });
  const intermediate = issueCertificate({ subject: 'Test Intermediate', issuer: root, ca: true, hash });
  const leaf = issueCertificate({
    subject: 'Test Leaf',
    issuer: intermediate,
    hash,
    extensions: leafExtensions,
  });
  return { root, intermediate, leaf };
}

/** A CRL signed by `issuer` that revokes the given certificates. For tests only. */
export function issueCrl(
  issuer: TestCertificate,
  revoked: readonly TestCertificate[],
  thisUpdate: Date,
  nextUpdate: Date,
): Uint8Array {
  const algorithm = new AlgorithmIdentifier({ algorithm: ecdsaWith.sha384 });
  const tbs = new TBSCertList({
    version: Version.v2,
    signature: algorithm,
    issuer: AsnConvert.parse(issuer.cert.raw, Certificate).tbsCertificate.subject,
    thisUpdate: new Time(thisUpdate),
    nextUpdate: new Time(nextUpdate),
    revokedCertificates: revoked.map(
      (entry) =>
        new RevokedCertificate({
          userCertificate: new Uint8Array(Buffer.from(entry.cert.serialNumber, 'hex')).buffer,
          revocationDate: new Time(thisUpdate),
        }),
    ),
  });
  const signature = sign('sha384', Buffer.from(AsnConvert.serialize(tbs)), issuer.key);
  return new Uint8Array(
    AsnConvert.serialize(
      new CertificateList({
        tbsCertList: tbs,
        signatureAlgorithm: algorithm,
        signature: new Uint8Array(signature).buffer,
      }),
    ),
  );
}
