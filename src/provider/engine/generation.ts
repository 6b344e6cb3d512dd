import type { LlamaContextSequence, Token } from 'node-llama-cpp';
import { TextAssembler } from './text-assembler.ts';
import type { FinishReason, GeneratedToken, TokenAlternative } from './types.ts';

export interface SamplingPlan {
  prompt: Token[];
  /** Already capped at the space left in the context. */
  maxTokens: number;
  temperature: number;
  topP: number;
  topK: number;
  seed: number;
  stop: string[];
  logprobs: number | undefined;
  signal: AbortSignal;
}

export interface GenerationOutcome {
  finishReason: FinishReason;
  completionTokens: number;
  /** Clock readings at the first and the last token, for the decode speed. */
  firstTokenAt: number | null;
  lastTokenAt: number | null;
}

export interface TokenText {
  piece(token: Token): string;
  bytes(token: Token): Uint8Array;
}

/**
 * Runs one generation on a sequence that holds nothing yet. llama.cpp samples every token (the
 * end-of-generation token included, so it counts like any other); `onToken` gets each one as it comes.
 */
export async function runGeneration(
  sequence: LlamaContextSequence,
  plan: SamplingPlan,
  tokenText: TokenText,
  onToken: (token: GeneratedToken) => void,
  now: () => number,
): Promise<GenerationOutcome> {
  const model = sequence.model;
  const assembler = new TextAssembler(plan.stop);
  const wantsLogprobs = plan.logprobs !== undefined;
  const topCount = plan.logprobs ?? 0;
  const outputs = sequence.evaluateWithMetadata(
    plan.prompt,
    { confidence: wantsLogprobs, probabilities: topCount > 0 },
    {
      temperature: plan.temperature,
      topK: plan.topK,
      topP: plan.topP,
      seed: plan.seed,
      yieldEogToken: true,
    },
  );
  const outcome: GenerationOutcome = {
    finishReason: 'stop',
    completionTokens: 0,
    firstTokenAt: null,
    lastTokenAt: null,
  };
  for await (const output of outputs) {
    if (plan.signal.aborted) {
      outcome.finishReason = 'cancelled';
      break;
    }
    outcome.completionTokens += 1;
    outcome.firstTokenAt ??= now();
    outcome.lastTokenAt = now();
    const { token } = output;
    const endOfGeneration = model.isEogToken(token);
    const bytes = endOfGeneration ? new Uint8Array() : tokenText.bytes(token);
    const step = endOfGeneration ? { text: assembler.finish(), stopped: true } : assembler.push(bytes);
    const atLimit = !step.stopped && outcome.completionTokens >= plan.maxTokens;
    const generated: GeneratedToken = {
      text: atLimit ? step.text + assembler.finish() : step.text,
      piece: endOfGeneration ? '' : tokenText.piece(token),
      bytes: [...bytes],
    };
    if (wantsLogprobs && 'confidence' in output) {
      generated.logprob = Math.log(output.confidence as number);
      const probabilities = 'probabilities' in output ? (output.probabilities as Map<Token, number>) : null;
      if (probabilities) generated.top = topAlternatives(probabilities, topCount, tokenText);
    }
    onToken(generated);
    if (step.stopped || atLimit) {
      outcome.finishReason = step.stopped ? 'stop' : 'length';
      break;
    }
    if (plan.signal.aborted) {
      outcome.finishReason = 'cancelled';
      break;
    }
  }
  return outcome;
}

/** The map is sorted most likely first, so the first entries are the top ones. */
function topAlternatives(
  probabilities: Map<Token, number>,
  count: number,
  tokenText: TokenText,
): TokenAlternative[] {
  const top: TokenAlternative[] = [];
  for (const [token, probability] of probabilities) {
    if (top.length >= count) break;
    top.push({
      text: tokenText.piece(token),
      logprob: Math.log(probability),
      bytes: [...tokenText.bytes(token)],
    });
  }
  return top;
}
