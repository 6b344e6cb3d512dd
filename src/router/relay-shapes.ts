import type { Receipt } from '../channels/index.ts';
import type { Billing, RelayContext } from './relay.ts';

/** The OpenAI-shaped bodies and chunks the relay writes: envelopes, the final chunk with billing, usage, errors. */

export function upstreamError(context: RelayContext, cause: unknown) {
  return {
    code: 'UPSTREAM_FAILED',
    type: 'server_error',
    param: null,
    message: `The provider failed mid-stream; you are charged only for the ${context.tally.tokens} tokens delivered.`,
    details: { provider: context.forwarded.providerId, cause },
  };
}

function usageOf(context: RelayContext) {
  const prompt = context.tally.usage?.prompt_tokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: context.tally.tokens,
    total_tokens: prompt + context.tally.tokens,
  };
}

function envelope(context: RelayContext, object: string) {
  const { tally, admission } = context;
  return {
    id: tally.id || `parley-${Date.now()}`,
    object,
    created: tally.created || Math.floor(Date.now() / 1000),
    model: tally.model || admission.model.model_id,
    ...(tally.systemFingerprint ? { system_fingerprint: tally.systemFingerprint } : {}),
  };
}

export function finalChunk(context: RelayContext, billing: Billing, failed: boolean) {
  const chat = context.admission.kind === 'chat';
  const finish = failed ? null : context.tally.finishReason;
  return {
    ...envelope(context, chat ? 'chat.completion.chunk' : 'text_completion'),
    choices: [
      chat
        ? { index: 0, delta: {}, logprobs: null, finish_reason: finish }
        : { index: 0, text: '', logprobs: null, finish_reason: finish },
    ],
    parley: billing,
  };
}

export function usageChunk(context: RelayContext) {
  const chat = context.admission.kind === 'chat';
  return {
    ...envelope(context, chat ? 'chat.completion.chunk' : 'text_completion'),
    choices: [],
    usage: usageOf(context),
  };
}

export function completionBody(context: RelayContext, billing: Billing) {
  const { tally } = context;
  const chat = context.admission.kind === 'chat';
  const logprobs = tally.sawLogprobs
    ? chat
      ? { content: tally.logprobs.content }
      : {
          tokens: tally.logprobs.tokens,
          token_logprobs: tally.logprobs.token_logprobs,
          top_logprobs: tally.logprobs.top_logprobs,
          text_offset: tally.logprobs.text_offset,
        }
    : null;
  const choice = chat
    ? {
        index: 0,
        message: { role: 'assistant', content: tally.text },
        logprobs,
        finish_reason: tally.finishReason,
      }
    : { index: 0, text: tally.text, logprobs, finish_reason: tally.finishReason };
  return {
    ...envelope(context, chat ? 'chat.completion' : 'text_completion'),
    choices: [choice],
    usage: usageOf(context),
    parley: billing,
  };
}

export function encodeReceipt(receipt: Receipt | null): string {
  return receipt ? Buffer.from(JSON.stringify(receipt)).toString('base64url') : '';
}
