import { ByteReader, EvidenceFormatError } from './bytes.ts';

/** An SEV-SNP attestation report (AMD SEV-SNP ABI, table "ATTESTATION_REPORT"), versions 2, 3 and 5. */
export interface SnpReport {
  version: number;
  guestSvn: number;
  policy: bigint;
  familyId: Uint8Array;
  imageId: Uint8Array;
  vmpl: number;
  signatureAlgorithm: number;
  currentTcb: bigint;
  platformInfo: bigint;
  /** Bits 2–4 of the key-info word: 0 VCEK, 1 VLEK, 7 none. */
  signingKey: number;
  maskChipId: boolean;
  reportData: Uint8Array;
  measurement: Uint8Array;
  hostData: Uint8Array;
  idKeyDigest: Uint8Array;
  authorKeyDigest: Uint8Array;
  reportId: Uint8Array;
  reportIdMa: Uint8Array;
  reportedTcb: bigint;
  chipId: Uint8Array;
  committedTcb: bigint;
  launchTcb: bigint;
  /** Bytes 0x000–0x29F: what the VCEK signs. */
  signedBytes: Uint8Array;
  /** r ‖ s, big-endian, 48 bytes each (the report stores them little-endian in 72-byte fields). */
  signature: Uint8Array;
}

export const snpReportSize = 0x4a0;
const signedLength = 0x2a0;
const supportedVersions = [2, 3, 5];

export const policyBits = { smt: 1n << 16n, migrateMa: 1n << 18n, debug: 1n << 19n } as const;

function littleEndianScalar(field: Uint8Array): Uint8Array {
  if (field.subarray(48).some((byte) => byte !== 0))
    throw new EvidenceFormatError('signature component has non-zero bytes past 48');
  return Uint8Array.from(field.subarray(0, 48)).reverse();
}

export function parseSnpReport(bytes: Uint8Array): SnpReport {
  if (bytes.length !== snpReportSize)
    throw new EvidenceFormatError(`an SEV-SNP report is ${snpReportSize} bytes, got ${bytes.length}`);
  const read = new ByteReader(bytes, 'SEV-SNP report');
  const version = read.u32('version');
  if (!supportedVersions.includes(version))
    throw new EvidenceFormatError(`SEV-SNP report version ${version} is not supported (2, 3, 5)`);
  const guestSvn = read.u32('guest_svn');
  const policy = read.u64('policy');
  const familyId = read.take(16, 'family_id');
  const imageId = read.take(16, 'image_id');
  const vmpl = read.u32('vmpl');
  const signatureAlgorithm = read.u32('signature_algo');
  const currentTcb = read.u64('current_tcb');
  const platformInfo = read.u64('platform_info');
  const keyInfo = read.u32('key info');
  read.u32('reserved');
  const reportData = read.take(64, 'report_data');
  const measurement = read.take(48, 'measurement');
  const hostData = read.take(32, 'host_data');
  const idKeyDigest = read.take(48, 'id_key_digest');
  const authorKeyDigest = read.take(48, 'author_key_digest');
  const reportId = read.take(32, 'report_id');
  const reportIdMa = read.take(32, 'report_id_ma');
  const reportedTcb = read.u64('reported_tcb');
  read.skipTo(0x1a0, 'reserved');
  const chipId = read.take(64, 'chip_id');
  const committedTcb = read.u64('committed_tcb');
  read.take(8, 'current and committed versions');
  const launchTcb = read.u64('launch_tcb');
  read.skipTo(signedLength, 'reserved');
  const r = littleEndianScalar(read.take(72, 'signature r'));
  const s = littleEndianScalar(read.take(72, 'signature s'));
  return {
    version,
    guestSvn,
    policy,
    familyId,
    imageId,
    vmpl,
    signatureAlgorithm,
    currentTcb,
    platformInfo,
    signingKey: (keyInfo >> 2) & 0b111,
    maskChipId: (keyInfo & 0b10) !== 0,
    reportData,
    measurement,
    hostData,
    idKeyDigest,
    authorKeyDigest,
    reportId,
    reportIdMa,
    reportedTcb,
    chipId,
    committedTcb,
    launchTcb,
    signedBytes: bytes.subarray(0, signedLength),
    signature: new Uint8Array([...r, ...s]),
  };
}

/** TCB_VERSION on Milan and Genoa: boot loader, TEE, SNP and microcode security patch levels. */
export function decodeTcb(tcb: bigint) {
  const byte = (index: number) => Number((tcb >> BigInt(index * 8)) & 0xffn);
  return {
    bootloader: byte(0),
    tee: byte(1),
    snp: byte(6),
    microcode: byte(7),
    raw: tcb.toString(16).padStart(16, '0'),
  };
}
