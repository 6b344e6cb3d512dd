import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import * as asn1js from 'asn1js';
import { encode, Tag } from 'cbor2';
import { issueCertificate, type TestCertificate } from './testing-pki.ts';

const p1363 = (hash: string, data: Uint8Array, key: KeyObject) =>
  new Uint8Array(sign(hash, data, { key, dsaEncoding: 'ieee-p1363' }));

const u16 = (value: number) => Buffer.from(Uint16Array.of(value).buffer);
const u32 = (value: number) => {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(value);
  return out;
};

export interface NitroDocumentFields {
  pcrs: Map<number, Uint8Array>;
  timestamp: number;
  userData?: Uint8Array | null;
  nonce?: Uint8Array | null;
  tagged?: boolean;
}

/** A Nitro attestation document signed by a test chain (root → intermediate → leaf, P-384). */
export function signNitroDocument(fields: NitroDocumentFields) {
  const root = issueCertificate({ subject: 'Test Nitro Root', ca: true });
  const intermediate = issueCertificate({ subject: 'Test Nitro Zone', issuer: root, ca: true });
  const leaf = issueCertificate({ subject: 'Test Enclave', issuer: intermediate });
  const payload = encode({
    module_id: 'i-test-enc0',
    digest: 'SHA384',
    timestamp: fields.timestamp,
    pcrs: fields.pcrs,
    certificate: new Uint8Array(leaf.cert.raw),
    cabundle: [new Uint8Array(root.cert.raw), new Uint8Array(intermediate.cert.raw)],
    public_key: null,
    user_data: fields.userData ?? null,
    nonce: fields.nonce ?? null,
  });
  const protectedHeader = encode(new Map([[1, -35]]));
  const sigStructure = encode(['Signature1', protectedHeader, new Uint8Array(0), payload]);
  const sign1 = [protectedHeader, new Map(), payload, p1363('sha384', sigStructure, leaf.key)];
  return { evidence: encode(fields.tagged ? new Tag(18, sign1) : sign1), root };
}

const sgxOid = '1.2.840.113741.1.13.1';
const entry = (oid: string, value: asn1js.AsnType) =>
  new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: oid }), value as asn1js.BaseBlock] });
const octets = (bytes: Uint8Array) => new asn1js.OctetString({ valueHex: bytes });

/** The SGX extensions of a PCK certificate: FMSPC, PCE-ID and an all-ones TCB. */
function sgxExtensions(fmspc: Uint8Array): Uint8Array {
  const tcb = new asn1js.Sequence({
    value: [
      ...Array.from({ length: 16 }, (_, i) =>
        entry(`${sgxOid}.2.${i + 1}`, new asn1js.Integer({ value: 1 })),
      ),
      entry(`${sgxOid}.2.17`, new asn1js.Integer({ value: 1 })),
      entry(`${sgxOid}.2.18`, octets(new Uint8Array(16).fill(1))),
    ],
  });
  const value = new asn1js.Sequence({
    value: [
      entry(`${sgxOid}.1`, octets(new Uint8Array(16))),
      entry(`${sgxOid}.2`, tcb),
      entry(`${sgxOid}.3`, octets(new Uint8Array(2))),
      entry(`${sgxOid}.4`, octets(fmspc)),
    ],
  });
  return new Uint8Array(value.toBER());
}

export interface TdxQuoteFields {
  version: 4 | 5;
  tdAttributes?: Uint8Array;
  reportData: Uint8Array;
  mrTd?: Uint8Array;
}

/** A TDX quote whose PCK chain, QE report and attestation key all come from a test root (P-256). */
export function signTdxQuote(fields: TdxQuoteFields): { evidence: Uint8Array; root: TestCertificate } {
  const root = issueCertificate({ subject: 'Test SGX Root', ca: true, hash: 'sha256' });
  const platform = issueCertificate({
    subject: 'Test PCK Platform CA',
    issuer: root,
    ca: true,
    hash: 'sha256',
  });
  const pck = issueCertificate({
    subject: 'Test PCK Certificate',
    issuer: platform,
    hash: 'sha256',
    extensions: { [sgxOid]: sgxExtensions(Uint8Array.of(0x50, 0x80, 0x6f, 0, 0, 0)) },
  });
  const header = Buffer.concat([
    u16(fields.version),
    u16(2),
    u32(0x81),
    Buffer.alloc(4),
    Buffer.alloc(16, 0x93),
    Buffer.alloc(20),
  ]);
  const body = Buffer.alloc(584);
  Buffer.from(fields.tdAttributes ?? new Uint8Array(8)).copy(body, 120);
  Buffer.from(fields.mrTd ?? new Uint8Array(48).fill(7)).copy(body, 136);
  Buffer.from(fields.reportData).copy(body, 520);
  const descriptor = fields.version === 5 ? Buffer.concat([u16(2), u32(584)]) : Buffer.alloc(0);
  const signed = Buffer.concat([header, descriptor, body]);

  const attestation = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = attestation.publicKey.export({ format: 'jwk' });
  const attestationKey = Buffer.concat([
    Buffer.from(jwk.x as string, 'base64url'),
    Buffer.from(jwk.y as string, 'base64url'),
  ]);
  const qeAuth = Buffer.alloc(32, 0xa5);
  const qeReport = Buffer.alloc(384);
  createHash('sha256').update(attestationKey).update(qeAuth).digest().copy(qeReport, 320);
  const chainPem = Buffer.from(pck.pem + platform.pem + root.pem);
  const qeData = Buffer.concat([
    qeReport,
    p1363('sha256', qeReport, pck.key),
    u16(qeAuth.length),
    qeAuth,
    u16(5),
    u32(chainPem.length),
    chainPem,
  ]);
  const sigData = Buffer.concat([
    p1363('sha256', signed, attestation.privateKey),
    attestationKey,
    u16(6),
    u32(qeData.length),
    qeData,
  ]);
  return { evidence: new Uint8Array(Buffer.concat([signed, u32(sigData.length), sigData])), root };
}
