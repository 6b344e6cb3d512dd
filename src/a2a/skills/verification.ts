import { hexToBytes } from '@noble/hashes/utils.js';
import { receiptBytes } from '../../channels/index.ts';
import { AppError, verifyEd25519 } from '../../shared/index.ts';
import { appraiseRequest } from '../../tee/index.ts';
import type { RequestOf, SkillCall, SkillResult } from './types.ts';

const hex = (value: string, bytes: number) =>
  new RegExp(`^[0-9a-f]{${bytes * 2}}$`).test(value) ? hexToBytes(value) : new Uint8Array();

/**
 * Checks an inference receipt: the gateway's Ed25519 signature over `parley/channel-receipt/v1` and
 * the receipt's fields, and whether the channel has charged at least that much; or TEE evidence, as
 * POST /v1/attestations/verify does (the appraisal is stored for audit).
 */
export function runVerification({ context }: SkillCall, request: RequestOf<'verification'>): SkillResult {
  if (request.action === 'attestation') {
    const { skill: _skill, action: _action, ...body } = request;
    const appraisal = appraiseRequest(body, context.tee);
    const summary = appraisal.valid
      ? `The ${appraisal.platform} evidence is valid (appraisal ${appraisal.id}).`
      : `The ${appraisal.platform} evidence is NOT valid: failed ${appraisal.failed.join(', ')} (appraisal ${appraisal.id}).`;
    return { name: 'verification', summary, data: appraisal };
  }
  const { signature, ...signed } = request.receipt;
  const valid = verifyEd25519(
    hex(signature, 64),
    receiptBytes(context.publicKey, signed),
    hex(context.publicKey, 32),
  );
  let channelCharged: string | null = null;
  try {
    channelCharged = context.channels.channels.get(signed.channelId).charged;
  } catch (error) {
    // An unknown channel leaves the signature check standing on its own.
    if (!(error instanceof AppError)) throw error;
  }
  const data = {
    valid,
    signer: context.publicKey,
    signedBytes:
      'parley/channel-receipt/v1\\n + RFC 8785 JSON of {network, channelId, nonce, charged, sequence, issuedAt}',
    receipt: request.receipt,
    channelCharged,
    coveredByChannel:
      channelCharged !== null &&
      /^\d+$/.test(signed.charged) &&
      BigInt(channelCharged) >= BigInt(signed.charged),
  };
  const summary = valid
    ? `The receipt is signed by this gateway (${context.publicKey.slice(0, 16)}…) for ${signed.charged} charged on ${signed.channelId}.`
    : 'The receipt signature does NOT verify against this gateway key.';
  return { name: 'verification', summary, data };
}
