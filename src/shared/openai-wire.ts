import { z } from 'zod';

/**
 * The OpenAI request fields both Parley's gateway and its provider nodes read, so the two speak the
 * same wire format from one definition. Each side adds its own (routing, top_k, message parts).
 */
export const openAiSamplingFields = {
  model: z.string().min(1).max(256),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  max_tokens: z.number().int().positive().max(1_000_000).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  seed: z.number().int().nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  n: z.literal(1, { error: 'Parley serves one choice per request (n = 1)' }).nullish(),
};

/** Chat completions: token cap and logprobs, beside the messages each side validates. */
export const openAiChatFields = {
  max_completion_tokens: z.number().int().positive().max(1_000_000).nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
};

/** Text completions: one prompt, logprobs as a count; echo and best_of are not supported. */
export const openAiCompletionFields = {
  prompt: z.union([z.string(), z.array(z.string()).length(1, 'one prompt per request')]),
  logprobs: z.number().int().min(0).max(20).nullish(),
  echo: z.literal(false, { error: 'echo is not supported' }).nullish(),
  best_of: z.literal(1, { error: 'best_of is not supported' }).nullish(),
};
