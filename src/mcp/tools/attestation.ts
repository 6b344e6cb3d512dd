import { hexToBytes } from '@noble/hashes/utils.js';
import type { ProtocolContext } from '../../gateway/context.ts';
import { AppraisalStore, teeError, verifyEvidence } from '../../tee/index.ts';
import type { AttestationInput } from '../schemas.ts';

/**
 * Appraises TEE evidence as POST /v1/attestations/verify does (the same verifiers, the gateway's clock,
 * the vendors' pinned roots) and keeps the appraisal for audit.
 */
export function appraiseAttestation(context: ProtocolContext, input: AttestationInput) {
  const evidence = fromBase64(input.evidence);
  const { expected } = input;
  const appraisal = verifyEvidence(
    input.platform,
    { evidence, ...(input.certificates ? { certificates: input.certificates } : {}) },
    {
      clock: context.clock,
      ...(expected
        ? {
            expected: {
              ...(expected.reportData ? { reportData: hexToBytes(evenHex(expected.reportData)) } : {}),
              ...(expected.nonce ? { nonce: hexToBytes(evenHex(expected.nonce)) } : {}),
              ...(expected.issuedAt ? { issuedAt: Date.parse(expected.issuedAt) } : {}),
            },
          }
        : {}),
      allowDebug: input.allowDebug,
      ...(input.maxAgeSeconds ? { maxAgeMs: input.maxAgeSeconds * 1000 } : {}),
    },
  );
  const stored = new AppraisalStore({ orm: context.orm, clock: context.clock, rng: context.rng }).record({
    appraisal,
    evidence,
  });
  return {
    kind: 'tee_attestation' as const,
    valid: stored.valid,
    signer: `${input.platform} vendor root (pinned)`,
    checks: stored.checks.map(({ name, ok, detail }) => ({ check: name, ok, detail: detail ?? '' })),
    // Claims are plain JSON objects (each platform's claims schema); the output lists them as a record.
    appraisal: {
      id: stored.id,
      claims: stored.claims as Record<string, unknown>,
      expiresAt: stored.expiresAt,
    },
  };
}

function fromBase64(text: string): Uint8Array {
  const compact = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(compact)) throw teeError('TEE_EVIDENCE_NOT_BASE64');
  return new Uint8Array(Buffer.from(compact, /[-_]/.test(compact) ? 'base64url' : 'base64'));
}

const evenHex = (hex: string) => (hex.length % 2 === 0 ? hex : `0${hex}`).toLowerCase();
