import { nitroVerifier } from './nitro.ts';
import { nvidiaVerifier } from './nvidia.ts';
import type { Appraisal, TeePlatform } from './schemas.ts';
import { sevSnpVerifier } from './sev-snp.ts';
import { tdxVerifier } from './tdx.ts';
import type { EvidenceInput, TeeVerifier, VerifyOptions } from './verifier.ts';

/** One verifier per platform, all behind the same interface. */
export const teeVerifiers: Readonly<Record<TeePlatform, TeeVerifier>> = {
  'sev-snp': sevSnpVerifier,
  tdx: tdxVerifier,
  nitro: nitroVerifier,
  nvidia: nvidiaVerifier,
};

/** Verifies evidence of any supported platform; the router and the HTTP route both call this. */
export function verifyEvidence(
  platform: TeePlatform,
  input: EvidenceInput,
  options: VerifyOptions,
): Appraisal {
  return teeVerifiers[platform].verify(input, options);
}
