import { readFileSync } from 'node:fs';
import { ManualClock } from '../shared/index.ts';
import { fromHex } from './bytes.ts';

const fixtures = new URL('../../test/fixtures/tee/', import.meta.url);
const fixture = (path: string): Buffer => readFileSync(new URL(path, fixtures));

const derToPem = (der: Buffer): string =>
  `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;

/**
 * The real evidence under test/fixtures/tee (see each PROVENANCE.md), with the instant at which
 * each one's certificates are valid.
 */
export const vectors = {
  sevSnp: {
    clock: () => new ManualClock(Date.UTC(2023, 0, 1)),
    evidence: () => new Uint8Array(fixture('sev-snp/attestation.bin')),
    certificates: () =>
      derToPem(fixture('sev-snp/vcek.testcer')) + fixture('sev-snp/ask_ark_milan.pem').toString(),
    genoaChain: () => fixture('sev-snp/ask_ark_genoa.pem').toString(),
    vcekPem: () => derToPem(fixture('sev-snp/vcek.testcer')),
  },
  tdx: {
    clock: () => new ManualClock(Date.UTC(2023, 6, 1)),
    evidence: () => new Uint8Array(fixture('tdx/tdx_prod_quote_SPR_E4.dat')),
    tcbInfo: () => fixture('tdx/sample_tcbInfo_response').toString(),
    qeIdentity: () => fixture('tdx/sample_qeIdentity_response').toString(),
    tcbSigningChain: () =>
      fixture('tdx/tcb_signing.pem').toString() + fixture('tdx/trusted_root.pem').toString(),
    pckCrl: () => new Uint8Array(fixture('tdx/pckcrl')),
    rootCrl: () => new Uint8Array(fixture('tdx/rootcrl.der')),
  },
  nitro: {
    clock: () => new ManualClock(Date.parse('2024-09-07T15:00:00Z')),
    evidence: () =>
      new Uint8Array(Buffer.from(fixture('nitro/nitro_attestation.b64').toString().trim(), 'base64')),
  },
  nvidia: {
    clock: () => new ManualClock(Date.UTC(2025, 0, 1)),
    evidence: () => fromHex(fixture('nvidia/hopperAttestationReport.txt').toString()),
    certificates: () => fixture('nvidia/hopperCertChain.txt').toString(),
    nonce: () => fromHex('931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb'),
  },
} as const;

/** A copy of `bytes` with one bit flipped. */
export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7));
  return copy;
}
