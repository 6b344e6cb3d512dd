import type { X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import { CheckList } from './appraisal.ts';
import { bytesEqual, toHex } from './bytes.ts';
import {
  driverVersion,
  opaqueFields,
  opaqueText,
  parseSpdmMeasurements,
  type SpdmMeasurements,
  vbiosVersion,
} from './nvidia-spdm.ts';
import { appraiseBinding, appraiseFreshness, appraiseReferenceValues } from './policy.ts';
import { nvidiaDeviceIdentityCaPem, trustAnchors } from './roots.ts';
import type { NvidiaClaims } from './schemas.ts';
import type { EvidenceInput, TeeVerifier, VerifyOptions } from './verifier.ts';
import {
  appraiseChain,
  appraiseRevocation,
  extensionValue,
  parseCertificates,
  parseDer,
  rawEcdsaValid,
} from './x509.ts';

/** TCG DICE TcbInfo extension: the device certificate records its firmware digests (FWIDs). */
const diceTcbInfo = '2.23.133.5.4.1';

/** Every FWID-shaped value (SEQUENCE { hash OID, digest OCTET STRING }) anywhere inside `node`. */
function fwidDigests(node: asn1js.AsnType): Uint8Array[] {
  if (!(node instanceof asn1js.Constructed || node instanceof asn1js.Sequence)) return [];
  const items = node.valueBlock.value;
  const [hash, digest] = items;
  if (items.length === 2 && hash instanceof asn1js.ObjectIdentifier && digest instanceof asn1js.OctetString)
    return [new Uint8Array(digest.valueBlock.valueHexView)];
  return items.flatMap(fwidDigests);
}

/**
 * The firmware digests the device certificate records in its TCG DICE TcbInfo extension. NVIDIA's
 * encoding differs from the TCG `fwids [6]` layout, so FWID-shaped pairs are collected wherever
 * they sit.
 */
function certificateFwids(cert: X509Certificate): Uint8Array[] {
  const value = extensionValue(cert, diceTcbInfo);
  return value ? fwidDigests(parseDer(value, 'DICE TcbInfo')) : [];
}

function nvidiaClaims(spdm: SpdmMeasurements): NvidiaClaims {
  const fwid = spdm.opaque.get(opaqueFields.fwid);
  return {
    spdmVersion: `${spdm.version >> 4}.${spdm.version & 0xf}`,
    nonce: toHex(spdm.requestNonce),
    responderNonce: toHex(spdm.responderNonce),
    measurements: Object.fromEntries(
      [...spdm.measurements].map(([index, value]) => [String(index), toHex(value)]),
    ),
    driverVersion: driverVersion(spdm),
    vbiosVersion: vbiosVersion(spdm),
    project: opaqueText(spdm, opaqueFields.project),
    projectSku: opaqueText(spdm, opaqueFields.projectSku),
    chipSku: opaqueText(spdm, opaqueFields.chipSku),
    fwid: fwid ? toHex(fwid) : null,
    opaque: Object.fromEntries([...spdm.opaque].map(([type, value]) => [String(type), toHex(value)])),
  };
}

/**
 * NVIDIA Hopper confidential computing: the GPU's device certificate chains to the pinned NVIDIA
 * Device Identity CA and signs GET_MEASUREMENTS request ‖ response with ECDSA P-384; the firmware
 * digest in the opaque data matches the one the certificate records. Measurements are compared
 * with reference values (`measurements.<index>`) when the operator supplies them, e.g. from RIMs.
 */
export const nvidiaVerifier: TeeVerifier<NvidiaClaims> = {
  platform: 'nvidia',
  verify(input: EvidenceInput, options: VerifyOptions) {
    const checks = new CheckList();
    const now = options.clock.now();
    let spdm: SpdmMeasurements;
    try {
      spdm = parseSpdmMeasurements(input.evidence);
    } catch (error) {
      checks.fail('evidence-format', (error as Error).message);
      return checks.appraisal('nvidia', {}, now);
    }
    checks.pass(
      'evidence-format',
      `SPDM ${spdm.version >> 4}.${spdm.version & 0xf}, ${spdm.measurements.size} measurements`,
    );

    let leaf: X509Certificate | undefined;
    try {
      const certs = input.certificates ? parseCertificates(input.certificates) : [];
      leaf = certs[0];
      if (!leaf) throw new Error('no device certificate chain was supplied');
      const chain = appraiseChain(
        checks,
        certs,
        trustAnchors([nvidiaDeviceIdentityCaPem], options.roots),
        now,
      );
      appraiseRevocation(checks, chain.path, options.crls, now);
    } catch (error) {
      checks.fail('certificate-chain', (error as Error).message);
    }

    if (!leaf) checks.fail('report-signature', 'no device certificate to check the signature with');
    else if (rawEcdsaValid('sha384', spdm.signedBytes, leaf, spdm.signature))
      checks.pass('report-signature', 'ECDSA P-384 by the device key');
    else checks.fail('report-signature', 'the device key did not sign this request and response');

    const fwid = spdm.opaque.get(opaqueFields.fwid);
    if (leaf && fwid) {
      const device = leaf;
      checks.attempt('fwid', () => {
        if (!certificateFwids(device).some((digest) => bytesEqual(digest, fwid)))
          throw new Error('the firmware digest in the report is not the one the device certificate records');
        return undefined;
      });
    }

    const claims = nvidiaClaims(spdm);
    appraiseBinding(checks, [
      { name: 'nonce', actual: spdm.requestNonce, expected: options.expected?.nonce },
      { name: 'report-data', actual: spdm.requestNonce, expected: options.expected?.reportData },
    ]);
    appraiseFreshness(checks, undefined, options);
    appraiseReferenceValues(checks, claims, options);
    return checks.appraisal('nvidia', claims, now);
  },
};
