import { ByteReader, EvidenceFormatError } from './bytes.ts';

/** An SPDM 1.1+ GET_MEASUREMENTS request and its signed MEASUREMENTS response, as Hopper GPUs return them. */
export interface SpdmMeasurements {
  version: number;
  /** The 32-byte nonce the verifier sent. */
  requestNonce: Uint8Array;
  responderNonce: Uint8Array;
  /** Measurement block index → DMTF measurement value. */
  measurements: Map<number, Uint8Array>;
  /** NVIDIA opaque data: field type → raw value. */
  opaque: Map<number, Uint8Array>;
  /** request ‖ response up to the signature: what the device key signs. */
  signedBytes: Uint8Array;
  /** r ‖ s, 48 bytes each (ECDSA P-384). */
  signature: Uint8Array;
}

const getMeasurements = 0xe0;
const measurementsResponse = 0x60;
const dmtfSpecification = 1;
const signatureLength = 96;

/** NVIDIA's opaque data field types (nvtrust local GPU verifier). */
export const opaqueFields = {
  certIssuerName: 1,
  certAuthorityKeyIdentifier: 2,
  driverVersion: 3,
  gpuInfo: 4,
  sku: 5,
  vbiosVersion: 6,
  manufacturerId: 7,
  tamperDetection: 8,
  smc: 9,
  vpr: 10,
  nvdec0Status: 11,
  measurementCount: 12,
  cprInfo: 13,
  boardId: 14,
  chipSku: 15,
  chipSkuMod: 16,
  project: 17,
  projectSku: 18,
  projectSkuMod: 19,
  fwid: 20,
  protectedPcieStatus: 21,
} as const;

function readRequest(read: ByteReader): { version: number; nonce: Uint8Array } {
  const version = read.u8('request version');
  if (read.u8('request code') !== getMeasurements)
    throw new EvidenceFormatError('the request is not GET_MEASUREMENTS');
  const attributes = read.u8('request param1');
  if ((attributes & 1) === 0) throw new EvidenceFormatError('the request did not ask for a signature');
  read.u8('request param2');
  const nonce = read.take(32, 'request nonce');
  if (version >= 0x11) read.u8('slot id');
  return { version, nonce };
}

function readBlocks(record: Uint8Array, count: number): Map<number, Uint8Array> {
  const read = new ByteReader(record, 'measurement record');
  const blocks = new Map<number, Uint8Array>();
  for (let i = 0; i < count; i++) {
    const index = read.u8('block index');
    if (read.u8('measurement specification') !== dmtfSpecification)
      throw new EvidenceFormatError(`measurement block ${index} is not DMTF`);
    const block = new ByteReader(read.take(read.u16('measurement size'), `block ${index}`), `block ${index}`);
    block.u8('value type');
    blocks.set(index, block.take(block.u16('value size'), `block ${index} value`));
    if (block.remaining !== 0) throw new EvidenceFormatError(`measurement block ${index} has trailing bytes`);
  }
  if (read.remaining !== 0) throw new EvidenceFormatError('the measurement record has trailing bytes');
  return blocks;
}

function readOpaque(bytes: Uint8Array): Map<number, Uint8Array> {
  const read = new ByteReader(bytes, 'opaque data');
  const fields = new Map<number, Uint8Array>();
  while (read.remaining > 0) {
    const type = read.u16('opaque field type');
    fields.set(type, read.take(read.u16('opaque field size'), `opaque field ${type}`));
  }
  return fields;
}

export function parseSpdmMeasurements(bytes: Uint8Array): SpdmMeasurements {
  const read = new ByteReader(bytes, 'SPDM evidence');
  const request = readRequest(read);
  const version = read.u8('response version');
  if (version !== request.version) throw new EvidenceFormatError('request and response SPDM versions differ');
  if (read.u8('response code') !== measurementsResponse)
    throw new EvidenceFormatError('the response is not MEASUREMENTS');
  read.u8('response param1');
  read.u8('response param2');
  const count = read.u8('number of blocks');
  const measurements = readBlocks(
    read.take(read.u24('measurement record length'), 'measurement record'),
    count,
  );
  const responderNonce = read.take(32, 'response nonce');
  const opaque = readOpaque(read.take(read.u16('opaque length'), 'opaque data'));
  const signedBytes = bytes.subarray(0, read.offset);
  const signature = read.take(signatureLength, 'signature');
  if (read.remaining !== 0) throw new EvidenceFormatError(`${read.remaining} bytes after the signature`);
  return {
    version,
    requestNonce: request.nonce,
    responderNonce,
    measurements,
    opaque,
    signedBytes,
    signature,
  };
}

const text = (value: Uint8Array | undefined): string | null =>
  value ? Buffer.from(value).toString('latin1').replace(/\0+$/, '') : null;

/** Driver version as the GPU reports it, e.g. "550.90.07". */
export const driverVersion = (spdm: SpdmMeasurements) => text(spdm.opaque.get(opaqueFields.driverVersion));
export const opaqueText = (spdm: SpdmMeasurements, field: number) => text(spdm.opaque.get(field));

/** VBIOS version in nvidia-smi's form, e.g. "96.00.9F.00.01", from its 8 little-endian bytes. */
export function vbiosVersion(spdm: SpdmMeasurements): string | null {
  const value = spdm.opaque.get(opaqueFields.vbiosVersion);
  if (!value || value.length < 5) return null;
  const hex = (byte: number | undefined) => (byte ?? 0).toString(16).padStart(2, '0').toUpperCase();
  return [value[3], value[2], value[1], value[0], value[4]].map(hex).join('.');
}
