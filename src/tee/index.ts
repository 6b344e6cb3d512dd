export { CheckList } from './appraisal.ts';
export { type BindingInput, expectedBinding, teeBindingTag } from './binding.ts';
export { teeError, teeErrors } from './errors.ts';
export { appraiseRequest, type TeeServices, teeRoutes } from './http.ts';
export { isDebugEnclave, nitroVerifier } from './nitro.ts';
export { nvidiaVerifier } from './nvidia.ts';
export { boundValueMatches, type ReferenceValues, referenceMismatches } from './policy.ts';
export {
  amdArkGenoaPem,
  amdArkMilanPem,
  awsNitroRootG1Pem,
  intelSgxRootCaPem,
  nvidiaDeviceIdentityCaPem,
} from './roots.ts';
export {
  type Appraisal,
  appraisalSchema,
  type Check,
  type NitroClaims,
  type NvidiaClaims,
  type SimClaims,
  type SnpClaims,
  storedAppraisalSchema,
  type TdxClaims,
  type TeePlatform,
  teePlatformSchema,
  type VerifyRequest,
  verifyRequestSchema,
} from './schemas.ts';
export { sevSnpVerifier } from './sev-snp.ts';
export { defaultSimMeasurement, type SimReport, simEvidence, simPublicKey, simVerifier } from './sim.ts';
export { type AppraisalRecord, AppraisalStore, type StoredAppraisal } from './store.ts';
export { teeAppraisals } from './tables.ts';
export { tdxVerifier } from './tdx.ts';
export {
  defaultMaxAgeMs,
  defaultTeeConfig,
  type EvidenceInput,
  type ExpectedBinding,
  type TdxCollateral,
  type TeeConfig,
  type TeeVerifier,
  type VerifyOptions,
} from './verifier.ts';
export { teeVerifiers, verifyEvidence } from './verifiers.ts';
