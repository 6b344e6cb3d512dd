import type { InferenceKind } from './inference.ts';

/** One streamed OpenAI chunk, as far as Parley reads it. */
interface Chunk {
  id?: string;
  created?: number;
  model?: string;
  system_fingerprint?: string;
  error?: unknown;
  usage?: Usage | null;
  choices?: Choice[];
}

interface Choice {
  index?: number;
  finish_reason?: string | null;
  delta?: { content?: string | null; reasoning_content?: string | null; tool_calls?: unknown[] };
  text?: string;
  logprobs?: {
    content?: unknown[] | null;
    tokens?: string[];
    token_logprobs?: unknown[];
    top_logprobs?: unknown[];
    text_offset?: number[];
  } | null;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens?: number;
}

/** What the relay does with one upstream event. */
export type Verdict =
  | { kind: 'relay'; frame: string }
  | { kind: 'skip' }
  | { kind: 'done' }
  | { kind: 'limit' }
  | { kind: 'error'; error: unknown };

/**
 * Reads an upstream stream of chat or text completion chunks: counts the tokens each carries (the
 * logprob entries when present, else one per non-empty piece), asks `admit` before relaying them,
 * holds back the finish reason and usage for the final chunk, and gathers the text and logprobs for
 * non-streaming callers.
 */
export class Tally {
  id = '';
  created = 0;
  model = '';
  systemFingerprint: string | undefined;
  finishReason: string | null = null;
  usage: Usage | undefined;
  tokens = 0;
  text = '';
  readonly logprobs = {
    content: [] as unknown[],
    tokens: [] as string[],
    token_logprobs: [] as unknown[],
    top_logprobs: [] as unknown[],
    text_offset: [] as number[],
  };
  sawLogprobs = false;
  private started = false;

  constructor(
    private readonly kind: InferenceKind,
    private readonly admit: (tokens: number) => boolean,
    private readonly gather: boolean,
  ) {}

  read(data: string): Verdict {
    if (data === '[DONE]') return { kind: 'done' };
    let chunk: Chunk;
    try {
      chunk = JSON.parse(data) as Chunk;
    } catch {
      return { kind: 'error', error: { message: 'the provider sent a chunk that is not JSON' } };
    }
    if (chunk.error) return { kind: 'error', error: chunk.error };
    if (!this.started) {
      this.started = true;
      this.id = chunk.id ?? '';
      this.created = chunk.created ?? 0;
      this.model = chunk.model ?? '';
      this.systemFingerprint = chunk.system_fingerprint;
    }
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices?.[0];
    if (!choice) return { kind: 'skip' };
    const tokens = this.count(choice);
    if (tokens > 0) {
      if (!this.admit(tokens)) return { kind: 'limit' };
      this.tokens += tokens;
      if (this.gather) this.collect(choice);
    }
    if (choice.finish_reason) {
      this.finishReason = choice.finish_reason;
      if (tokens === 0) return { kind: 'skip' };
      // The finish reason travels in Parley's final chunk, with the receipt.
      choice.finish_reason = null;
      return { kind: 'relay', frame: `data: ${JSON.stringify(chunk)}\n\n` };
    }
    return tokens > 0 ? { kind: 'relay', frame: `data: ${data}\n\n` } : { kind: 'skip' };
  }

  /** Bills the tokens the provider reports beyond those counted (several in one piece), if the budget covers them. */
  reconcile(reported: number): void {
    if (reported > this.tokens && this.admit(reported - this.tokens)) this.tokens = reported;
  }

  private count(choice: Choice): number {
    const logprobs = choice.logprobs;
    if (this.kind === 'chat') {
      const entries = logprobs?.content?.length ?? 0;
      if (entries > 0) return entries;
      const delta = choice.delta;
      return delta && (delta.content || delta.reasoning_content || delta.tool_calls?.length) ? 1 : 0;
    }
    const entries = logprobs?.tokens?.length ?? 0;
    if (entries > 0) return entries;
    return choice.text ? 1 : 0;
  }

  private collect(choice: Choice) {
    const piece = this.kind === 'chat' ? choice.delta?.content : choice.text;
    if (piece) this.text += piece;
    const logprobs = choice.logprobs;
    if (!logprobs) return;
    this.sawLogprobs = true;
    const into = this.logprobs;
    if (logprobs.content) into.content.push(...logprobs.content);
    if (logprobs.tokens) into.tokens.push(...logprobs.tokens);
    if (logprobs.token_logprobs) into.token_logprobs.push(...logprobs.token_logprobs);
    if (logprobs.top_logprobs) into.top_logprobs.push(...logprobs.top_logprobs);
    if (logprobs.text_offset) into.text_offset.push(...logprobs.text_offset);
  }
}
