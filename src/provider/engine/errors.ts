import { defineErrors } from '../../shared/index.ts';

/** Inference engine errors: one table, mapped to HTTP and JSON-RPC at the edges. */
export const engineErrors = {
  ENGINE_BUSY: {
    status: 429,
    rpcCode: -32005,
    message: 'Every sequence is busy and the queue is full; retry in a moment or use another provider.',
  },
  ENGINE_QUEUE_TIMEOUT: {
    status: 503,
    rpcCode: -32005,
    message: 'The request waited too long for a free sequence; retry in a moment or use another provider.',
  },
  ENGINE_CLOSED: {
    status: 503,
    rpcCode: -32002,
    message: 'The provider is shutting down and takes no new requests.',
  },
  ENGINE_UNAVAILABLE: {
    status: 503,
    rpcCode: -32005,
    message: 'The model server is restarting after a failure; retry in a moment or use another provider.',
  },
  MODEL_DOWNLOADING: {
    status: 503,
    rpcCode: -32005,
    message: 'The provider is still downloading its model; it serves once the model is loaded.',
  },
  PROMPT_TOO_LONG: {
    status: 400,
    rpcCode: -32602,
    message: 'The prompt does not fit the context; shorten it.',
  },
  MODEL_LOAD_FAILED: {
    status: 500,
    rpcCode: -32603,
    message: 'The model could not be loaded; check the file, the free memory and the gpu option.',
  },
  GENERATION_FAILED: {
    status: 500,
    rpcCode: -32603,
    message: 'The generation failed inside llama.cpp.',
  },
} as const;

export const engineError = defineErrors(engineErrors);
