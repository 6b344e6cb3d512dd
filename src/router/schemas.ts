import { z } from 'zod';
import { atomicAmountSchema } from '../shared/index.ts';
import { teePlatformSchema } from '../tee/schemas.ts';

export const modelCategorySchema = z.enum(['LLM', 'ImageGen', 'Embedding', 'Speech', 'Custom']);
export const modalitySchema = z.enum(['Text', 'Image', 'Audio', 'Multimodal']);

/**
 * Which TEE evidence counts for a model: platform → claim path → allowed values (hex). When a model
 * has a policy, only the platforms it lists make a provider TEE-capable for it, and every named claim
 * (the code measurement, PCRs, RTMRs…) must equal one of its values.
 */
export const teeModelPolicySchema = z
  .partialRecord(
    teePlatformSchema,
    z.record(
      z.string().min(1).max(64),
      z
        .array(
          z
            .string()
            .regex(/^([0-9a-f]{2})+$/, 'lowercase hex')
            .max(256),
        )
        .min(1)
        .max(32),
    ),
  )
  .meta({
    id: 'ModelTeePolicy',
    example: { 'sev-snp': { measurement: ['<96 hex digits>'] }, nitro: { 'pcrs.0': ['<96 hex digits>'] } },
  });
export type TeeModelPolicy = z.infer<typeof teeModelPolicySchema>;

export const registerModelSchema = z
  .object({
    model_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/, 'letters, digits and . _ : / -'),
    name: z.string().min(1).max(128),
    description: z.string().max(2000).default(''),
    version: z.string().min(1).max(64),
    category: modelCategorySchema,
    modality: modalitySchema,
    price_per_token: atomicAmountSchema.meta({ description: 'atomic TNZO units (18 decimals) per token' }),
    min_stake: atomicAmountSchema.optional().meta({ description: 'defaults to the category minimum' }),
    tee_required: z.boolean().default(false),
    supported_formats: z.array(z.string().min(1).max(32)).max(16).default(['gguf']),
    max_context_length: z.number().int().positive().max(10_000_000),
    parameters: z.string().regex(/^[1-9][0-9]{0,15}$/, 'the parameter count as a whole number'),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'SHA-256 of the weights file, lowercase hex'),
    tee_policy: teeModelPolicySchema
      .nullable()
      .default(null)
      .meta({ description: 'Allowed TEE measurements; null: any valid evidence bound to this model counts' }),
  })
  .meta({ id: 'RegisterModel' });

export const modelSchema = registerModelSchema
  .extend({ min_stake: atomicAmountSchema, provider: z.string(), created_at: z.iso.datetime() })
  .meta({ id: 'Model' });
export type ModelView = z.infer<typeof modelSchema>;

export const modelQuerySchema = z.object({
  category: modelCategorySchema.optional(),
  modality: modalitySchema.optional(),
  max_price: atomicAmountSchema.optional(),
  min_context: z.coerce.number().int().nonnegative().optional(),
  tee: z.enum(['true', 'false']).optional(),
  q: z.string().max(100).optional(),
});

export const registerProviderSchema = z
  .object({
    name: z.string().min(1).max(128),
    endpoint: z.url({ protocol: /^https?$/ }),
    kind: z.enum(['parley', 'openai']).default('openai'),
    models: z.array(z.string().min(1).max(128)).min(1).max(64),
    gpu: z
      .object({ name: z.string().min(1).max(128), vramGb: z.number().positive().max(100_000) })
      .nullable()
      .default(null),
    tee: teePlatformSchema.nullable().default(null),
    capacity: z.number().int().positive().max(100_000).default(4),
  })
  .meta({ id: 'RegisterProvider' });

export const heartbeatSchema = z
  .object({
    inFlight: z.number().int().nonnegative().max(1_000_000),
    tokensPerSecond: z.number().nonnegative().max(1e9),
  })
  .meta({ id: 'Heartbeat' });

export const providerRecordSchema = z
  .object({
    id: z.string(),
    did: z.string(),
    name: z.string(),
    endpoint: z.string(),
    kind: z.enum(['parley', 'openai']),
    models: z.array(z.string()),
    gpu: z.object({ name: z.string(), vramGb: z.number() }).nullable(),
    tee: z.string().nullable(),
    capacity: z.number().int(),
    inFlight: z.number().int(),
    tokensPerSecond: z.number(),
    registeredAt: z.iso.datetime(),
    lastHeartbeatAt: z.iso.datetime(),
    banned: z.object({ at: z.iso.datetime(), reason: z.string() }).nullable(),
    draining: z
      .boolean()
      .describe('The node announced it is shutting down: no new requests until its next heartbeat'),
  })
  .meta({ id: 'ProviderRecord' });

export const providerSchema = providerRecordSchema
  .extend({
    status: z.enum(['active', 'degraded', 'inactive', 'banned']),
    health: z.object({
      total: z.number().int(),
      successes: z.number().int(),
      failures: z.number().int(),
      recentFailureRate: z.number(),
      latencyMs: z.number().nullable(),
      ttftMs: z.number().nullable(),
      tokensPerSecond: z.number().nullable(),
      lastCheckAt: z.number().nullable(),
      reputation: z.number(),
    }),
  })
  .meta({ id: 'Provider' });
export type ProviderView = z.infer<typeof providerRecordSchema>;
