import type { FinishReason, GeneratedToken, GenerationResult } from '../engine/index.ts';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatTokenLogprob,
  CompletionLogprobs,
  TextCompletion,
  Usage,
} from './schemas.ts';

/** The fields every completion and chunk of one request share. */
export interface Envelope {
  id: string;
  created: number;
  model: string;
  system_fingerprint: string;
}

/** Builds one kind's OpenAI bodies from the engine's tokens. */
export interface CompletionFormat {
  /** The chunk that streams one token; `first` is the request's first. */
  tokenChunk(token: GeneratedToken, first: boolean, textOffset: number): unknown;
  finalChunk(finishReason: FinishReason): unknown;
  usageChunk(usage: Usage): unknown;
  body(tokens: GeneratedToken[], result: GenerationResult): unknown;
}

export function usageOf(result: GenerationResult): Usage {
  return {
    prompt_tokens: result.promptTokens,
    completion_tokens: result.completionTokens,
    total_tokens: result.promptTokens + result.completionTokens,
  };
}

/** Cancelled generations reach no one; their bodies say `null`. */
const finishOf = (reason: FinishReason) => (reason === 'cancelled' ? null : reason);

function chatLogprob(token: GeneratedToken): ChatTokenLogprob {
  return {
    token: token.piece,
    logprob: token.logprob ?? 0,
    bytes: token.bytes,
    top_logprobs: (token.top ?? []).map(({ text, logprob, bytes }) => ({ token: text, logprob, bytes })),
  };
}

export function chatFormat(envelope: Envelope, logprobs: boolean, includeUsage: boolean): CompletionFormat {
  const chunk = (choice: ChatCompletionChunk['choices'][number]): ChatCompletionChunk => ({
    ...envelope,
    object: 'chat.completion.chunk',
    choices: [choice],
    ...(includeUsage ? { usage: null } : {}),
  });
  return {
    tokenChunk: (token, first) =>
      chunk({
        index: 0,
        delta: first ? { role: 'assistant', content: token.text } : { content: token.text },
        logprobs: logprobs ? { content: [chatLogprob(token)] } : null,
        finish_reason: null,
      }),
    finalChunk: (reason) => chunk({ index: 0, delta: {}, logprobs: null, finish_reason: finishOf(reason) }),
    usageChunk: (usage): ChatCompletionChunk => ({
      ...envelope,
      object: 'chat.completion.chunk',
      choices: [],
      usage,
    }),
    body: (tokens, result): ChatCompletion => ({
      ...envelope,
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: tokens.map((token) => token.text).join('') },
          logprobs: logprobs ? { content: tokens.map(chatLogprob) } : null,
          finish_reason: finishOf(result.finishReason),
        },
      ],
      usage: usageOf(result),
    }),
  };
}

function completionLogprobs(tokens: GeneratedToken[], firstOffset: number): CompletionLogprobs {
  const logprobs: CompletionLogprobs = { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };
  let offset = firstOffset;
  for (const token of tokens) {
    logprobs.tokens.push(token.piece);
    logprobs.token_logprobs.push(token.logprob ?? 0);
    const top: Record<string, number> = {};
    // Two tokens may read the same (fragments of characters); the likelier one keeps the entry.
    for (const { text, logprob } of token.top ?? []) if (!(text in top)) top[text] = logprob;
    logprobs.top_logprobs.push(top);
    logprobs.text_offset.push(offset);
    offset += token.text.length;
  }
  return logprobs;
}

export function textCompletionFormat(
  envelope: Envelope,
  logprobs: boolean,
  includeUsage: boolean,
): CompletionFormat {
  const completion = (choice: TextCompletion['choices'][number], usage?: Usage | null): TextCompletion => ({
    ...envelope,
    object: 'text_completion',
    choices: [choice],
    ...(usage !== undefined ? { usage } : {}),
  });
  const streamedUsage = includeUsage ? null : undefined;
  return {
    tokenChunk: (token, _first, textOffset) =>
      completion(
        {
          index: 0,
          text: token.text,
          logprobs: logprobs ? completionLogprobs([token], textOffset) : null,
          finish_reason: null,
        },
        streamedUsage,
      ),
    finalChunk: (reason) =>
      completion({ index: 0, text: '', logprobs: null, finish_reason: finishOf(reason) }, streamedUsage),
    usageChunk: (usage): TextCompletion => ({ ...envelope, object: 'text_completion', choices: [], usage }),
    body: (tokens, result) =>
      completion(
        {
          index: 0,
          text: tokens.map((token) => token.text).join(''),
          logprobs: logprobs ? completionLogprobs(tokens, 0) : null,
          finish_reason: finishOf(result.finishReason),
        },
        usageOf(result),
      ),
  };
}
