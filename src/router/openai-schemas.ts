import { z } from 'zod';
import { openAiChatFields, openAiCompletionFields, openAiSamplingFields } from '../shared/index.ts';
import { routingStrategySchema } from './strategies.ts';

/**
 * The OpenAI-compatible request bodies. Known fields are checked; any other OpenAI parameter passes
 * through to the provider untouched (loose objects), so new client options keep working.
 */

const routingSchema = z
  .object({
    strategy: routingStrategySchema.optional(),
    deadline_ms: z.number().int().positive().max(3_600_000).optional(),
  })
  .optional()
  .meta({
    description:
      'Parley extension: how to pick the provider (also the Parley-Routing header); not sent upstream',
  });

const samplingFields = { ...openAiSamplingFields, routing: routingSchema };

const messageSchema = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() })), z.null()]).optional(),
});

export const chatRequestSchema = z
  .looseObject({
    ...samplingFields,
    messages: z.array(messageSchema).min(1).max(4096),
    ...openAiChatFields,
  })
  .meta({ id: 'ChatCompletionRequest' });
export type ChatRequest = z.infer<typeof chatRequestSchema>;

export const completionRequestSchema = z
  .looseObject({
    ...samplingFields,
    ...openAiCompletionFields,
  })
  .meta({ id: 'CompletionRequest' });
export type CompletionRequest = z.infer<typeof completionRequestSchema>;

export const embeddingRequestSchema = z
  .looseObject({
    model: z.string().min(1).max(128),
    input: z.union([z.string(), z.array(z.string()).min(1).max(2048)]),
    routing: routingSchema,
  })
  .meta({ id: 'EmbeddingRequest' });
export type EmbeddingRequest = z.infer<typeof embeddingRequestSchema>;

/** What Parley adds to every completion: who served it, at what price, and the signed receipt. */
export const parleyBillingSchema = z
  .object({
    provider: z.string(),
    asset: z.string(),
    price_per_token: z.string(),
    billed_tokens: z.number().int(),
    cost: z.string(),
    receipt: z
      .object({
        channelId: z.string(),
        nonce: z.number().int(),
        charged: z.string(),
        sequence: z.number().int(),
        issuedAt: z.number().int(),
        signature: z.string(),
      })
      .nullable(),
    attestation: z.string().nullable().meta({
      description:
        'The TEE appraisal the provider served under (GET /v1/attestations/{id}); null outside a TEE',
    }),
  })
  .meta({ id: 'ParleyBilling' });

export const completionResponseSchema = z
  .looseObject({
    id: z.string(),
    object: z.string(),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(z.looseObject({ index: z.number().int(), finish_reason: z.string().nullable() })),
    usage: z
      .object({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number() })
      .optional(),
    parley: parleyBillingSchema,
  })
  .meta({ id: 'CompletionResponse' });
