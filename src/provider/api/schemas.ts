import { z } from 'zod';
import { openAiChatFields, openAiCompletionFields, openAiSamplingFields } from '../../shared/index.ts';

/**
 * The provider's OpenAI-compatible wire shapes. Requests are loose objects: OpenAI parameters this
 * provider does not read are accepted and ignored, so new client options do not break requests.
 */

const samplingFields = {
  ...openAiSamplingFields,
  top_k: z.number().int().min(0).nullish().meta({ description: "llama.cpp's top-k; 0 or absent: off" }),
};

const textPartSchema = z.looseObject({
  type: z.literal('text', { error: 'Only text content parts are supported' }),
  text: z.string(),
});

const messageSchema = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(textPartSchema), z.null()]).optional(),
});

/**
 * What this node cannot do yet is refused by name rather than ignored: a client that asked for tool
 * calls or JSON output and got free text would take it for the model's answer.
 */
const unsupportedChatFields = {
  tools: z
    .array(z.unknown())
    .max(0, { error: 'tools (function calling) is not supported by this provider; send no tools' })
    .nullish(),
  functions: z
    .array(z.unknown())
    .max(0, { error: 'functions (function calling) is not supported by this provider' })
    .nullish(),
  response_format: z
    .looseObject({
      type: z.literal('text', { error: 'only response_format {"type": "text"} is supported (no JSON mode)' }),
    })
    .nullish(),
};

export const chatRequestSchema = z
  .looseObject({
    ...samplingFields,
    messages: z.array(messageSchema).min(1).max(4096),
    ...openAiChatFields,
    ...unsupportedChatFields,
  })
  .refine((body) => body.top_logprobs == null || body.logprobs === true, {
    path: ['top_logprobs'],
    message: 'top_logprobs needs logprobs: true',
  })
  .meta({ id: 'ProviderChatCompletionRequest' });
export type ChatRequest = z.infer<typeof chatRequestSchema>;

export const completionRequestSchema = z
  .looseObject({
    ...samplingFields,
    ...openAiCompletionFields,
  })
  .meta({ id: 'ProviderCompletionRequest' });
export type CompletionRequest = z.infer<typeof completionRequestSchema>;

export const usageSchema = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
});
export type Usage = z.infer<typeof usageSchema>;

const finishReasonSchema = z.enum(['stop', 'length']).nullable();

const alternativeSchema = z.object({
  token: z.string(),
  logprob: z.number(),
  bytes: z.array(z.number().int()).nullable(),
});

export const chatTokenLogprobSchema = alternativeSchema.extend({ top_logprobs: z.array(alternativeSchema) });
export type ChatTokenLogprob = z.infer<typeof chatTokenLogprobSchema>;

const chatLogprobsSchema = z.object({ content: z.array(chatTokenLogprobSchema).nullable() }).nullable();

export const completionLogprobsSchema = z
  .object({
    tokens: z.array(z.string()),
    token_logprobs: z.array(z.number()),
    top_logprobs: z.array(z.record(z.string(), z.number())),
    text_offset: z.array(z.number().int()).meta({ description: 'Offsets into the completion text' }),
  })
  .nullable();
export type CompletionLogprobs = NonNullable<z.infer<typeof completionLogprobsSchema>>;

const envelope = {
  id: z.string(),
  created: z.number().int(),
  model: z.string(),
  system_fingerprint: z.string().meta({ description: 'parley- and the start of the model file SHA-256' }),
};

export const chatCompletionSchema = z
  .object({
    ...envelope,
    object: z.literal('chat.completion'),
    choices: z.array(
      z.object({
        index: z.number().int(),
        message: z.object({ role: z.literal('assistant'), content: z.string() }),
        logprobs: chatLogprobsSchema,
        finish_reason: finishReasonSchema,
      }),
    ),
    usage: usageSchema,
  })
  .meta({ id: 'ProviderChatCompletion' });
export type ChatCompletion = z.infer<typeof chatCompletionSchema>;

export const chatCompletionChunkSchema = z
  .object({
    ...envelope,
    object: z.literal('chat.completion.chunk'),
    choices: z.array(
      z.object({
        index: z.number().int(),
        delta: z.object({ role: z.literal('assistant').optional(), content: z.string().optional() }),
        logprobs: chatLogprobsSchema,
        finish_reason: finishReasonSchema,
      }),
    ),
    usage: usageSchema.nullish(),
  })
  .meta({ id: 'ProviderChatCompletionChunk' });
export type ChatCompletionChunk = z.infer<typeof chatCompletionChunkSchema>;

export const textCompletionSchema = z
  .object({
    ...envelope,
    object: z.literal('text_completion'),
    choices: z.array(
      z.object({
        index: z.number().int(),
        text: z.string(),
        logprobs: completionLogprobsSchema,
        finish_reason: finishReasonSchema,
      }),
    ),
    usage: usageSchema.nullish(),
  })
  .meta({ id: 'ProviderTextCompletion', description: 'A completion, or one chunk of a streamed one' });
export type TextCompletion = z.infer<typeof textCompletionSchema>;

export const modelListSchema = z
  .object({
    object: z.literal('list'),
    data: z.array(
      z.object({
        id: z.string(),
        object: z.literal('model'),
        created: z.number().int(),
        owned_by: z.string(),
      }),
    ),
  })
  .meta({ id: 'ProviderModelList' });

export const providerInfoSchema = z
  .looseObject({
    models: z.array(
      z.object({
        id: z.string(),
        sha256: z.string(),
        parameters: z.number().int(),
        contextLength: z.number().int(),
      }),
    ),
    gpu: z.array(z.object({ name: z.string(), vramBytes: z.number().int() })).nullable(),
    capacity: z.number().int(),
    inFlight: z.number().int(),
    queued: z.number().int(),
    tokensPerSecond: z.number().meta({ description: 'Moving average of one stream’s decode speed' }),
    backend: z.string().meta({ example: 'cuda' }),
    version: z.string(),
    download: z
      .object({ received: z.number(), total: z.number().nullable(), resumedFrom: z.number() })
      .optional()
      .meta({ description: 'Progress of a model download in progress' }),
  })
  .meta({
    id: 'ProviderInfo',
    description: 'What this provider serves and how busy it is; the node may add fields',
  });
export type ProviderInfo = z.infer<typeof providerInfoSchema>;

export const healthSchema = z
  .union([
    z.object({
      status: z.literal('ok'),
      model: z.string(),
      inFlight: z.number().int(),
      queued: z.number().int(),
    }),
    z.object({ status: z.literal('draining') }),
    z.object({ status: z.literal('unavailable'), reason: z.string() }),
  ])
  .meta({ id: 'ProviderHealth' });
