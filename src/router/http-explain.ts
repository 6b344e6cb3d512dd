import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { IdentityEnv } from '../identity/index.ts';
import { errorResponses, jsonResponse } from '../shared/index.ts';
import { candidatesFor } from './candidates.ts';
import type { RouterServices } from './http.ts';
import { routingStrategySchema, selectProvider } from './strategies.ts';

const explainQuerySchema = z.object({
  model: z.string().min(1).max(128),
  strategy: routingStrategySchema.default('weighted'),
  tokens: z.coerce.number().int().positive().max(10_000_000).default(256),
  deadline_ms: z.coerce.number().int().positive().optional(),
});

const candidateSchema = z.object({
  providerId: z.string(),
  score: z.number(),
  pricePerToken: z.string(),
  latencyMs: z.number(),
  ttftMs: z.number(),
  tokensPerSecond: z.number(),
  reputation: z.number(),
  status: z.string(),
  breaker: z.string(),
  tee: z.string().nullable(),
  stake: z.string(),
});

const explainSchema = z
  .object({
    model: z.string(),
    strategy: routingStrategySchema,
    chosen: z.string().nullable(),
    ranked: z.array(candidateSchema),
    excluded: z.array(z.object({ providerId: z.string(), reason: z.string() })),
    requirements: z.object({
      teeRequired: z.boolean(),
      minimumStake: z.string(),
      allowedModels: z.array(z.string()).nullable(),
      allowedProviders: z.array(z.string()).nullable(),
    }),
  })
  .meta({ id: 'RoutingExplanation' });

const explainRoute = createRoute({
  method: 'get',
  path: '/v1/routing/explain',
  tags: ['registry'],
  summary: 'Why a request for a model would go where: candidates, filters with reasons, and scores',
  description: "With credentials, the caller's delegated allowed models and providers are applied too.",
  request: { query: explainQuerySchema },
  responses: {
    200: jsonResponse(explainSchema, 'The routing decision, explained'),
    ...errorResponses(400, 404),
  },
});

export function explainRoutes(services: RouterServices) {
  return new OpenAPIHono<IdentityEnv>().openapi(explainRoute, (c) => {
    const { model: modelId, strategy, tokens, deadline_ms } = c.req.valid('query');
    const model = services.registry.model(modelId);
    const principal = c.var.principal;
    const policy = principal && !principal.admin ? principal.scope.policy : {};
    const requirements = {
      teeRequired: model.tee_required,
      minimumStake: BigInt(model.min_stake),
      ...(policy.allowed_models ? { allowedModels: policy.allowed_models } : {}),
      ...(policy.allowed_providers ? { allowedProviders: policy.allowed_providers } : {}),
    };
    const decision = selectProvider(
      candidatesFor(services, model),
      { ...requirements, expectedOutputTokens: tokens, ...(deadline_ms ? { deadlineMs: deadline_ms } : {}) },
      { strategy, rng: services.rng, ranked: true },
    );
    return c.json(
      {
        model: modelId,
        strategy,
        chosen: decision.chosen?.providerId ?? null,
        ranked: decision.ranked.map(({ candidate, score }) => ({
          ...candidate,
          score,
          pricePerToken: candidate.pricePerToken.toString(),
          stake: candidate.stake.toString(),
        })),
        excluded: decision.excluded.map(({ providerId, reason }) => ({ providerId, reason })),
        requirements: {
          teeRequired: requirements.teeRequired,
          minimumStake: requirements.minimumStake.toString(),
          allowedModels: policy.allowed_models ?? null,
          allowedProviders: policy.allowed_providers ?? null,
        },
      },
      200,
    );
  });
}
