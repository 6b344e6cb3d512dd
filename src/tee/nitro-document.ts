import { decode, encode, Tag } from 'cbor2';
import { EvidenceFormatError } from './bytes.ts';

/** An AWS Nitro Enclaves attestation document, as COSE_Sign1 (RFC 9052) with its decoded payload. */
export interface NitroDocument {
  /** The COSE Sig_structure the leaf certificate signs: ["Signature1", protected, h'', payload]. */
  signedBytes: Uint8Array;
  /** r ‖ s, 48 bytes each (ES384). */
  signature: Uint8Array;
  algorithm: number;
  moduleId: string;
  digest: string;
  timestamp: number;
  pcrs: Map<number, Uint8Array>;
  certificate: Uint8Array;
  cabundle: Uint8Array[];
  publicKey: Uint8Array | null;
  userData: Uint8Array | null;
  nonce: Uint8Array | null;
}

const coseSign1Tag = 18;
export const es384 = -35;

function cbor(bytes: Uint8Array, what: string): unknown {
  try {
    return decode(bytes);
  } catch (error) {
    throw new EvidenceFormatError(`${what} is not CBOR: ${(error as Error).message}`);
  }
}

function member(map: unknown, key: string | number): unknown {
  if (map instanceof Map) return map.get(key);
  if (map !== null && typeof map === 'object' && typeof key === 'string')
    return (map as Record<string, unknown>)[key];
  return undefined;
}

const isBytes = (value: unknown): value is Uint8Array => value instanceof Uint8Array;

function bytesField(map: unknown, key: string): Uint8Array {
  const value = member(map, key);
  if (!isBytes(value))
    throw new EvidenceFormatError(`attestation document field ${key} is not a byte string`);
  return value;
}

function optionalBytes(map: unknown, key: string): Uint8Array | null {
  const value = member(map, key);
  if (value === undefined || value === null) return null;
  if (!isBytes(value))
    throw new EvidenceFormatError(`attestation document field ${key} is not a byte string`);
  return value;
}

export function parseNitroDocument(bytes: Uint8Array): NitroDocument {
  let outer = cbor(bytes, 'the attestation document');
  if (outer instanceof Tag) {
    if (Number(outer.tag) !== coseSign1Tag)
      throw new EvidenceFormatError(`CBOR tag ${outer.tag} is not COSE_Sign1`);
    outer = outer.contents;
  }
  if (!Array.isArray(outer) || outer.length !== 4) throw new EvidenceFormatError('not a COSE_Sign1 array');
  const [protectedHeader, , payload, signature] = outer as unknown[];
  if (!isBytes(protectedHeader) || !isBytes(payload) || !isBytes(signature))
    throw new EvidenceFormatError('COSE_Sign1 fields are not byte strings');
  const algorithm = member(cbor(protectedHeader, 'the protected header'), 1);
  const body = cbor(payload, 'the payload');

  const pcrMap = member(body, 'pcrs');
  if (!(pcrMap instanceof Map)) throw new EvidenceFormatError('pcrs is not a map');
  const pcrs = new Map<number, Uint8Array>();
  for (const [index, value] of pcrMap) {
    if (typeof index !== 'number' || !isBytes(value))
      throw new EvidenceFormatError('pcrs must map integers to bytes');
    pcrs.set(index, value);
  }
  const cabundle = member(body, 'cabundle');
  if (!Array.isArray(cabundle) || !cabundle.every(isBytes))
    throw new EvidenceFormatError('cabundle is not a list of certificates');
  const moduleId = member(body, 'module_id');
  const digest = member(body, 'digest');
  const timestamp = member(body, 'timestamp');
  if (typeof moduleId !== 'string' || typeof digest !== 'string')
    throw new EvidenceFormatError('module_id and digest must be text');
  if (typeof timestamp !== 'number' && typeof timestamp !== 'bigint')
    throw new EvidenceFormatError('timestamp must be an integer');

  return {
    signedBytes: encode(['Signature1', protectedHeader, new Uint8Array(0), payload]),
    signature,
    algorithm: typeof algorithm === 'number' ? algorithm : Number.NaN,
    moduleId,
    digest,
    timestamp: Number(timestamp),
    pcrs,
    certificate: bytesField(body, 'certificate'),
    cabundle,
    publicKey: optionalBytes(body, 'public_key'),
    userData: optionalBytes(body, 'user_data'),
    nonce: optionalBytes(body, 'nonce'),
  };
}
