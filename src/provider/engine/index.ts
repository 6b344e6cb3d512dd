export { engineError, engineErrors } from './errors.ts';
export { fileSha256 } from './file-sha256.ts';
export {
  createLlamaEngine,
  type GpuOption,
  type LlamaBuild,
  type LlamaEngineOptions,
  loadLlamaBinding,
} from './llama-engine.ts';
export { createLlamaServerEngine, type LlamaServerEngineOptions } from './llama-server-engine.ts';
export type {
  ChatMessage,
  EngineModel,
  EngineStats,
  FinishReason,
  GeneratedToken,
  GenerationRequest,
  GenerationResult,
  InferenceEngine,
  TokenAlternative,
} from './types.ts';
export { maxCapacity } from './types.ts';
