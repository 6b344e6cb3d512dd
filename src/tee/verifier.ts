import type { Clock } from '../shared/index.ts';
import type { ReferenceValues } from './policy.ts';
import type { Appraisal, TeePlatform } from './schemas.ts';

/** What the gateway expects the evidence to be bound to. */
export interface ExpectedBinding {
  /** Report data / user data. Shorter than the field: it must be a prefix and the rest zero. */
  reportData?: Uint8Array;
  /** A platform's separate nonce field (Nitro `nonce`, the NVIDIA SPDM requester nonce). */
  nonce?: Uint8Array;
  /** When the challenge was issued (ms); the age of evidence that carries no timestamp of its own. */
  issuedAt?: number;
}

/** Intel collateral for TDX: TCB info and QE identity as served by the PCS, and their issuer chain. */
export interface TdxCollateral {
  /** The PCS body `{"tcbInfo":{…},"signature":"…"}`, verbatim (the signature covers the exact text). */
  tcbInfo?: string;
  /** The PCS body `{"enclaveIdentity":{…},"signature":"…"}`, verbatim. */
  qeIdentity?: string;
  /** PEM chain that signs both (the `TCB-Info-Issuer-Chain` header): TCB Signing cert, then the root. */
  issuerChain?: string;
  /** TCB statuses accepted for the platform and QE; default `['UpToDate']`. */
  acceptedTcbStatuses?: readonly string[];
}

export interface VerifyOptions {
  clock: Clock;
  expected?: ExpectedBinding;
  /** Accept debug guests / debug enclaves. Off by default: a debug TEE's memory is readable by its host. */
  allowDebug?: boolean;
  /** How old evidence may be; default 24 h. */
  maxAgeMs?: number;
  /** Claim path → allowed hex value(s); every named claim must equal one of its values. */
  reference?: ReferenceValues;
  /** PEM roots that replace the platform's pinned roots (private deployments, tests). */
  roots?: readonly string[];
  /** CRLs (DER or PEM) to apply to the certificate chains; each is used for the issuer that signed it. */
  crls?: readonly (Uint8Array | string)[];
  tdxCollateral?: TdxCollateral;
  /** Accept the development-only `sim` platform (PARLEY_TEE_SIM). */
  allowSim?: boolean;
}

export interface EvidenceInput {
  evidence: Uint8Array;
  /** PEM bundle or DER: certificates the evidence does not carry itself (SEV-SNP VCEK chain, NVIDIA chain). */
  certificates?: string | Uint8Array;
}

/** One platform's verifier: parses the evidence and appraises it under the options' policy. */
export interface TeeVerifier<Claims extends object = object> {
  readonly platform: TeePlatform;
  verify(input: EvidenceInput, options: VerifyOptions): Appraisal<Claims>;
}

export const defaultMaxAgeMs = 24 * 60 * 60 * 1000;

/** How this gateway appraises evidence, from its config; every caller of the verifiers shares it. */
export interface TeeConfig {
  /** Honour `now` in verify requests, for old samples (PARLEY_TEE_ALLOW_CLOCK_OVERRIDE); off in production. */
  allowClockOverride: boolean;
  /** Accept the development-only `sim` platform (PARLEY_TEE_SIM). */
  allowSim: boolean;
  /** How old a provider's evidence may be (PARLEY_TEE_MAX_AGE_S): a TEE capability lasts at most this. */
  maxAgeMs: number;
  /** PEM roots per platform replacing the pinned ones for provider attestations (private PKI, tests). */
  roots?: Partial<Record<TeePlatform, readonly string[]>>;
}

export const defaultTeeConfig: TeeConfig = {
  allowClockOverride: false,
  allowSim: false,
  maxAgeMs: defaultMaxAgeMs,
};
