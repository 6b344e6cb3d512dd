import { defineErrors } from '../../shared/index.ts';

/** Model download errors: one table, mapped to HTTP and JSON-RPC at the edges. */
export const downloadErrors = {
  MODEL_URL_UNSUPPORTED: {
    status: 400,
    rpcCode: -32602,
    message: 'The model URL must be an http:// or https:// URL without a user:password part.',
  },
  MODEL_HASH_INVALID: {
    status: 400,
    rpcCode: -32602,
    message: 'The expected SHA-256 must be 64 hexadecimal characters.',
  },
  MODEL_DOWNLOAD_FAILED: {
    status: 502,
    rpcCode: -32603,
    message: 'The model could not be downloaded; check the URL and the network, then run again to resume.',
  },
  MODEL_HASH_MISMATCH: {
    status: 502,
    rpcCode: -32603,
    message:
      'The downloaded model does not match the expected SHA-256 and was deleted; check the URL and hash.',
  },
  MODEL_FILE_WRITE_FAILED: {
    status: 500,
    rpcCode: -32603,
    message: 'The model file could not be written; check free disk space and permissions on its folder.',
  },
} as const;

export const downloadError = defineErrors(downloadErrors);
