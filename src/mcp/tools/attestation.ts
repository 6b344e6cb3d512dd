import type { ProtocolContext } from '../../gateway/context.ts';
import { appraiseRequest } from '../../tee/index.ts';
import type { AttestationInput } from '../schemas.ts';

/**
 * Appraises TEE evidence as POST /v1/attestations/verify does (the same verifiers, the gateway's clock
 * and TEE settings, the vendors' pinned roots) and keeps the appraisal for audit.
 */
export function appraiseAttestation(context: ProtocolContext, input: AttestationInput) {
  const { expected } = input;
  const stored = appraiseRequest(
    {
      platform: input.platform,
      evidence: input.evidence,
      ...(input.certificates ? { certificates: input.certificates } : {}),
      ...(expected
        ? {
            expected: {
              ...(expected.reportData ? { reportData: evenHex(expected.reportData) } : {}),
              ...(expected.nonce ? { nonce: evenHex(expected.nonce) } : {}),
              ...(expected.issuedAt ? { issuedAt: expected.issuedAt } : {}),
            },
          }
        : {}),
      allowDebug: input.allowDebug ?? false,
      ...(input.maxAgeSeconds ? { maxAgeSeconds: input.maxAgeSeconds } : {}),
    },
    context.tee,
  );
  return {
    kind: 'tee_attestation' as const,
    valid: stored.valid,
    signer:
      input.platform === 'sim'
        ? 'the public sim key (development only)'
        : `${input.platform} vendor root (pinned)`,
    checks: stored.checks.map(({ name, ok, detail }) => ({ check: name, ok, detail: detail ?? '' })),
    // Claims are plain JSON objects (each platform's claims schema); the output lists them as a record.
    appraisal: {
      id: stored.id,
      claims: stored.claims as Record<string, unknown>,
      expiresAt: stored.expiresAt,
    },
  };
}

const evenHex = (hex: string) => (hex.length % 2 === 0 ? hex : `0${hex}`).toLowerCase();
