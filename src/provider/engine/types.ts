/** One message of a chat prompt; rendered with the model's chat template. */
export interface ChatMessage {
  role: string;
  content: string;
}

export interface GenerationRequest {
  /** Either raw prompt text (completions) or chat messages (rendered with the model's chat template). */
  prompt: { text: string } | { messages: ChatMessage[] };
  /** The caller's cap; the engine also caps at the space left in the context. */
  maxTokens: number;
  /** 0 picks the most likely token every time (greedy). */
  temperature: number;
  topP?: number;
  topK?: number;
  /** Seeded sampling: the same seed and request give the same tokens. Drawn at random when absent. */
  seed?: number;
  /** Stop strings: the output ends before the first one, which is not included. */
  stop?: string[];
  /** Absent: no logprobs; 0..20: the chosen token's logprob and this many top alternatives. */
  logprobs?: number;
  /** Cancellation: the generation stops after the token in progress and its sequence is freed. */
  signal?: AbortSignal;
}

export interface TokenAlternative {
  text: string;
  logprob: number;
  bytes: number[];
}

export interface GeneratedToken {
  /**
   * Text to append to the output. It lags the tokens where a UTF-8 character spans several of them or
   * where the text may begin a stop string, so one token may bring '' and a later one more than its own.
   */
  text: string;
  /** The token's own text (OpenAI's logprobs `token`); a fragment of a character shows as U+FFFD. */
  piece: string;
  /** The token's own UTF-8 bytes. */
  bytes: number[];
  /** Natural log of the chosen token's probability in the distribution it was sampled from. */
  logprob?: number;
  /** The most likely tokens of that distribution, most likely first. */
  top?: TokenAlternative[];
}

/** `stop`: an end-of-generation token or a stop string; `length`: the token cap or the context is full. */
export type FinishReason = 'stop' | 'length' | 'cancelled';

export interface GenerationResult {
  finishReason: FinishReason;
  promptTokens: number;
  /** Every sampled token, the end-of-generation token included (as llama.cpp's server counts them). */
  completionTokens: number;
}

export interface EngineModel {
  id: string;
  path: string;
  sha256: string;
  /** Tokens one sequence holds: prompt and completion together. */
  contextLength: number;
  parameters: number;
  trainContextLength?: number;
}

/**
 * The most generations one loaded model runs at once, with either backend: llama.cpp refuses a
 * context with more than 256 sequences (`LLAMA_MAX_SEQ`), and llama-server gives each slot one.
 */
export const maxCapacity = 256;

export interface EngineStats {
  /** Generations that run at once (parallel sequences). */
  capacity: number;
  inFlight: number;
  queued: number;
  /** Moving average of the decode speed of one stream, in tokens per second; 0 before the first. */
  tokensPerSecond: number;
  gpu: Array<{ name: string; vramBytes: number }> | null;
  /** `cpu`, `cuda`, `vulkan` or `metal`. */
  backend: string;
  /** True once `close` has started: no new work is taken. */
  draining: boolean;
  /** False while the backend cannot take work (a llama-server restarting after a crash or a hang). */
  ready: boolean;
  /** Why it cannot, for `/healthz` (the default: its model server is restarting). */
  unavailable?: string;
}

export interface InferenceEngine {
  readonly model: EngineModel;
  stats(): EngineStats;
  /**
   * Streams tokens to `onToken` as they are produced; resolves when done. Throws an `AppError` from
   * `engineErrors` when the queue is full, the wait times out, the prompt does not fit or the engine closed.
   */
  generate(request: GenerationRequest, onToken: (token: GeneratedToken) => void): Promise<GenerationResult>;
  /** Stops taking new work, waits for in-flight generations (up to `timeoutMs`), then releases everything. */
  close(timeoutMs?: number): Promise<void>;
}
