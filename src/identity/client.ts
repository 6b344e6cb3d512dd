import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { signedBytes } from '../shared/canonical.ts';
import { delegationBytes } from './delegations.ts';
import { signRequest } from './http-signatures.ts';
import type { DelegationPayload, RegistrationPayload } from './schemas.ts';
import { registrationTag } from './schemas.ts';

/**
 * What an agent needs to talk to Parley with its own keys: sign a registration, a delegation, and
 * HTTP requests. Used by the CLI, the tests and any TypeScript agent.
 */
export function signRegistration(payload: RegistrationPayload, secretKey: Uint8Array): string {
  return bytesToHex(ed25519.sign(signedBytes(registrationTag, payload), secretKey));
}

export function signDelegation(payload: DelegationPayload, secretKey: Uint8Array): string {
  return bytesToHex(ed25519.sign(delegationBytes(payload), secretKey));
}

export interface SignedRequestInput {
  method: string;
  url: string;
  body?: string;
  keyId: string;
  secretKey: Uint8Array;
  /** Unix seconds. */
  created: number;
  nonce: string;
  headers?: Record<string, string>;
  delegationId?: string;
}

/** Headers for an RFC 9421 signed request (plus the body's Content-Digest and the delegation used). */
export function signedRequestHeaders(input: SignedRequestInput): Record<string, string> {
  const headers: Record<string, string> = { ...input.headers };
  if (input.body !== undefined) headers['content-type'] ??= 'application/json';
  if (input.delegationId) headers['parley-delegation'] = input.delegationId;
  const signature = signRequest(
    {
      method: input.method,
      url: input.url,
      headers,
      ...(input.body !== undefined ? { body: input.body } : {}),
    },
    { keyId: input.keyId, secretKey: input.secretKey, created: input.created, nonce: input.nonce },
  );
  return { ...headers, ...signature };
}
