import { teeError } from './errors.ts';
import { nitroVerifier } from './nitro.ts';
import { nvidiaVerifier } from './nvidia.ts';
import type { Appraisal, TeePlatform } from './schemas.ts';
import { sevSnpVerifier } from './sev-snp.ts';
import { simVerifier } from './sim.ts';
import { tdxVerifier } from './tdx.ts';
import type { EvidenceInput, TeeVerifier, VerifyOptions } from './verifier.ts';

/** One verifier per platform, all behind the same interface. */
export const teeVerifiers: Readonly<Record<TeePlatform, TeeVerifier>> = {
  'sev-snp': sevSnpVerifier,
  tdx: tdxVerifier,
  nitro: nitroVerifier,
  nvidia: nvidiaVerifier,
  sim: simVerifier,
};

/**
 * Verifies evidence of any supported platform; the router, the HTTP route, MCP and A2A all call
 * this. Development-only `sim` evidence is refused (an error, not an invalid appraisal) unless
 * `options.allowSim`.
 */
export function verifyEvidence(
  platform: TeePlatform,
  input: EvidenceInput,
  options: VerifyOptions,
): Appraisal {
  if (platform === 'sim' && !options.allowSim) throw teeError('TEE_PLATFORM_DISABLED', { platform });
  return teeVerifiers[platform].verify(input, options);
}
