import { defineErrors } from '../shared/index.ts';

/** TEE attestation errors: one table, mapped to HTTP and JSON-RPC at the edges. */
export const teeErrors = {
  TEE_CLOCK_OVERRIDE_REFUSED: {
    status: 400,
    rpcCode: -32602,
    message: '`now` is honoured only when the gateway runs with PARLEY_TEE_ALLOW_CLOCK_OVERRIDE=1.',
  },
  TEE_EVIDENCE_NOT_BASE64: {
    status: 400,
    rpcCode: -32602,
    message: '`evidence` must be base64 (standard or URL-safe alphabet).',
  },
  TEE_PLATFORM_DISABLED: {
    status: 400,
    rpcCode: -32602,
    message:
      'The development-only `sim` platform is refused unless the gateway runs with PARLEY_TEE_SIM=true; it proves nothing about real hardware.',
  },
  TEE_APPRAISAL_NOT_FOUND: { status: 404, rpcCode: -32004, message: 'No appraisal with this id.' },
} as const;

export const teeError = defineErrors(teeErrors);
