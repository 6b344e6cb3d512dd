import type { X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import { EvidenceFormatError } from './bytes.ts';
import { extensionValue, parseDer } from './x509.ts';

const sgxExtensions = '1.2.840.113741.1.13.1';

/** What Intel writes into a PCK certificate's SGX extensions: the platform's TCB and family. */
export interface PckExtensions {
  fmspc: Uint8Array;
  pceId: Uint8Array;
  /** The 16 SGX TCB component SVNs. */
  tcbComponents: number[];
  pceSvn: number;
  cpuSvn: Uint8Array;
}

function members(value: asn1js.AsnType, what: string): Map<string, asn1js.AsnType> {
  if (!(value instanceof asn1js.Sequence)) throw new EvidenceFormatError(`${what} is not a SEQUENCE`);
  const map = new Map<string, asn1js.AsnType>();
  for (const entry of value.valueBlock.value) {
    const [oid, inner] = entry instanceof asn1js.Sequence ? entry.valueBlock.value : [];
    if (!(oid instanceof asn1js.ObjectIdentifier) || !inner)
      throw new EvidenceFormatError(`${what} has a malformed entry`);
    map.set(oid.valueBlock.toString(), inner);
  }
  return map;
}

function octets(value: asn1js.AsnType | undefined, what: string): Uint8Array {
  if (!(value instanceof asn1js.OctetString)) throw new EvidenceFormatError(`PCK ${what} is missing`);
  return new Uint8Array(value.valueBlock.valueHexView);
}

function integer(value: asn1js.AsnType | undefined, what: string): number {
  if (!(value instanceof asn1js.Integer)) throw new EvidenceFormatError(`PCK ${what} is missing`);
  return value.valueBlock.valueDec;
}

export function pckExtensions(pck: X509Certificate): PckExtensions {
  const raw = extensionValue(pck, sgxExtensions);
  if (!raw) throw new EvidenceFormatError('the PCK certificate has no SGX extensions');
  const top = members(parseDer(raw, 'SGX extensions'), 'SGX extensions');
  const tcb = members(top.get(`${sgxExtensions}.2`) as asn1js.AsnType, 'PCK TCB');
  return {
    fmspc: octets(top.get(`${sgxExtensions}.4`), 'FMSPC'),
    pceId: octets(top.get(`${sgxExtensions}.3`), 'PCE-ID'),
    tcbComponents: Array.from({ length: 16 }, (_, i) =>
      integer(tcb.get(`${sgxExtensions}.2.${i + 1}`), `TCB component ${i + 1}`),
    ),
    pceSvn: integer(tcb.get(`${sgxExtensions}.2.17`), 'PCESVN'),
    cpuSvn: octets(tcb.get(`${sgxExtensions}.2.18`), 'CPUSVN'),
  };
}
