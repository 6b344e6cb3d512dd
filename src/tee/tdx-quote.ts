import { ByteReader, EvidenceFormatError } from './bytes.ts';

/** The TD report inside a quote (TDX 1.0 body; TDX 1.5 adds the last two fields). */
export interface TdReport {
  teeTcbSvn: Uint8Array;
  mrSeam: Uint8Array;
  mrSignerSeam: Uint8Array;
  seamAttributes: Uint8Array;
  tdAttributes: Uint8Array;
  xfam: Uint8Array;
  mrTd: Uint8Array;
  mrConfigId: Uint8Array;
  mrOwner: Uint8Array;
  mrOwnerConfig: Uint8Array;
  rtmrs: [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  reportData: Uint8Array;
  teeTcbSvn2: Uint8Array | undefined;
  mrServiceTd: Uint8Array | undefined;
}

/** The SGX report of the Quoting Enclave (384 bytes), signed by the PCK key. */
export interface QeReport {
  raw: Uint8Array;
  cpuSvn: Uint8Array;
  miscSelect: number;
  attributes: Uint8Array;
  mrEnclave: Uint8Array;
  mrSigner: Uint8Array;
  isvProdId: number;
  isvSvn: number;
  reportData: Uint8Array;
}

/** An Intel TDX DCAP quote, version 4 or 5, with ECDSA P-256 attestation and a PCK chain. */
export interface TdxQuote {
  version: number;
  qeVendorId: Uint8Array;
  td: TdReport;
  /** Header ‖ (v5: body type and size ‖) body: what the attestation key signs. */
  signedBytes: Uint8Array;
  signature: Uint8Array;
  /** Uncompressed P-256 point without the 0x04 prefix. */
  attestationKey: Uint8Array;
  qeReport: QeReport;
  qeReportSignature: Uint8Array;
  qeAuthData: Uint8Array;
  /** The PEM chain of certification data type 5: PCK leaf, platform/processor CA, root. */
  pckChainPem: string;
}

const teeTypeTdx = 0x81;
const ecdsaP256 = 2;
const qeReportCertificationData = 6;
const pckCertChain = 5;

function readTdReport(read: ByteReader, tdx15: boolean): TdReport {
  const field = (length: number, name: string) => read.take(length, name);
  return {
    teeTcbSvn: field(16, 'tee_tcb_svn'),
    mrSeam: field(48, 'mrseam'),
    mrSignerSeam: field(48, 'mrsignerseam'),
    seamAttributes: field(8, 'seam_attributes'),
    tdAttributes: field(8, 'td_attributes'),
    xfam: field(8, 'xfam'),
    mrTd: field(48, 'mrtd'),
    mrConfigId: field(48, 'mrconfigid'),
    mrOwner: field(48, 'mrowner'),
    mrOwnerConfig: field(48, 'mrownerconfig'),
    rtmrs: [field(48, 'rtmr0'), field(48, 'rtmr1'), field(48, 'rtmr2'), field(48, 'rtmr3')],
    reportData: field(64, 'report_data'),
    teeTcbSvn2: tdx15 ? field(16, 'tee_tcb_svn2') : undefined,
    mrServiceTd: tdx15 ? field(48, 'mrservicetd') : undefined,
  };
}

export function parseQeReport(raw: Uint8Array): QeReport {
  const read = new ByteReader(raw, 'QE report');
  const cpuSvn = read.take(16, 'cpu_svn');
  const miscSelect = read.u32('misc_select');
  read.take(28, 'reserved');
  const attributes = read.take(16, 'attributes');
  const mrEnclave = read.take(32, 'mr_enclave');
  read.take(32, 'reserved');
  const mrSigner = read.take(32, 'mr_signer');
  read.take(96, 'reserved');
  const isvProdId = read.u16('isv_prod_id');
  const isvSvn = read.u16('isv_svn');
  read.take(60, 'reserved');
  const reportData = read.take(64, 'report_data');
  return { raw, cpuSvn, miscSelect, attributes, mrEnclave, mrSigner, isvProdId, isvSvn, reportData };
}

export function parseTdxQuote(bytes: Uint8Array): TdxQuote {
  const read = new ByteReader(bytes, 'TDX quote');
  const version = read.u16('version');
  if (version !== 4 && version !== 5)
    throw new EvidenceFormatError(`TDX quote version ${version} is not supported (4, 5)`);
  const keyType = read.u16('attestation key type');
  if (keyType !== ecdsaP256)
    throw new EvidenceFormatError(`attestation key type ${keyType} is not ECDSA P-256`);
  const teeType = read.u32('tee type');
  if (teeType !== teeTypeTdx) throw new EvidenceFormatError(`tee type 0x${teeType.toString(16)} is not TDX`);
  read.take(4, 'reserved');
  const qeVendorId = read.take(16, 'qe_vendor_id');
  read.take(20, 'user_data');

  let tdx15 = false;
  if (version === 5) {
    const bodyType = read.u16('body type');
    const bodySize = read.u32('body size');
    if (bodyType !== 2 && bodyType !== 3)
      throw new EvidenceFormatError(`body type ${bodyType} is not a TD report`);
    tdx15 = bodyType === 3;
    if (bodySize !== (tdx15 ? 648 : 584))
      throw new EvidenceFormatError(`body size ${bodySize} is wrong for type ${bodyType}`);
  }
  const td = readTdReport(read, tdx15);
  const signedBytes = bytes.subarray(0, read.offset);

  const signatureDataLength = read.u32('signature data length');
  const sigData = new ByteReader(read.take(signatureDataLength, 'signature data'), 'quote signature data');
  // Bytes after the signature data are not signed and not read (the Intel sample carries some).
  const signature = sigData.take(64, 'quote signature');
  const attestationKey = sigData.take(64, 'attestation key');
  const certType = sigData.u16('certification data type');
  if (certType !== qeReportCertificationData)
    throw new EvidenceFormatError(`certification data type ${certType} is not a QE report (6)`);
  const qe = new ByteReader(
    sigData.take(sigData.u32('certification data size'), 'certification data'),
    'QE data',
  );
  const qeReport = parseQeReport(qe.take(384, 'QE report'));
  const qeReportSignature = qe.take(64, 'QE report signature');
  const qeAuthData = qe.take(qe.u16('QE auth data size'), 'QE auth data');
  const innerType = qe.u16('inner certification data type');
  if (innerType !== pckCertChain)
    throw new EvidenceFormatError(`inner certification data type ${innerType} is not a PCK chain (5)`);
  const pckChainPem = Buffer.from(qe.take(qe.u32('PCK chain size'), 'PCK chain')).toString('utf8');
  return {
    version,
    qeVendorId,
    td,
    signedBytes,
    signature,
    attestationKey,
    qeReport,
    qeReportSignature,
    qeAuthData,
    pckChainPem: pckChainPem.replace(/\0+$/, ''),
  };
}
