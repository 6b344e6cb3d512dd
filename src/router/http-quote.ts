import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { IdentityEnv } from '../identity/index.ts';
import { atomicAmountSchema, errorResponses, jsonResponse } from '../shared/index.ts';
import { routerError } from './errors.ts';
import type { RouterServices } from './http.ts';
import { quote } from './pricing.ts';

const quoteQuerySchema = z.object({
  model: z.string().min(1).max(128),
  tokens: z.coerce.number().int().positive().max(10_000_000),
  asset: z
    .string()
    .regex(/^[A-Z][A-Z0-9]{1,15}$/)
    .default('TNZO'),
  provider: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .meta({ description: 'Price at this provider; default: the least loaded one' }),
});

const quoteSchema = z
  .object({
    model: z.string(),
    provider: z.string(),
    asset: z.string(),
    tokens: z.number().int(),
    basePricePerToken: atomicAmountSchema.meta({
      description: 'TNZO atomic units per token, as published with the model',
    }),
    factors: z.object({ size: z.string(), utilization: z.string(), tee: z.string() }),
    rate: z.object({ numerator: z.string(), denominator: z.string() }),
    total: atomicAmountSchema,
    perToken: atomicAmountSchema,
    formula: z.string(),
  })
  .meta({ id: 'Quote' });

const quoteRoute = createRoute({
  method: 'get',
  path: '/v1/quote',
  tags: ['registry'],
  summary: 'What a number of tokens of a model costs now, with the breakdown of every factor',
  request: { query: quoteQuerySchema },
  responses: { 200: jsonResponse(quoteSchema, 'The quote'), ...errorResponses(400, 404) },
});

/**
 * The price of `tokens` tokens of a model now, at the named provider or the least loaded one that
 * serves it, with every factor (the body of GET /v1/quote and of the MCP `get_quote` tool).
 */
export function quoteNow(
  services: Pick<RouterServices, 'registry' | 'oracle' | 'attestations'>,
  query: { model: string; tokens: number; asset: string; provider?: string | undefined },
) {
  const { registry, oracle } = services;
  const { model: modelId, tokens, asset, provider: providerId } = query;
  const model = registry.model(modelId);
  const serving = registry
    .listProviders()
    .filter((p) => p.models.includes(modelId) && (!providerId || p.id === providerId));
  const provider = serving.reduce<(typeof serving)[number] | undefined>(
    (best, p) => (!best || p.inFlight / p.capacity < best.inFlight / best.capacity ? p : best),
    undefined,
  );
  if (!provider)
    throw routerError(
      'PROVIDER_NOT_FOUND',
      { model: modelId, ...(providerId ? { id: providerId } : {}) },
      'No provider serves this model.',
    );
  const priced = quote(
    {
      basePricePerToken: BigInt(model.price_per_token),
      tokens,
      paramsCount: BigInt(model.parameters),
      inFlight: provider.inFlight,
      capacity: provider.capacity,
      tee: services.attestations.capability(provider.id, modelId) !== undefined,
      asset,
    },
    oracle,
  );
  return {
    model: modelId,
    provider: provider.id,
    asset,
    tokens,
    basePricePerToken: model.price_per_token,
    factors: priced.factors,
    rate: { numerator: priced.rate.numerator.toString(), denominator: priced.rate.denominator.toString() },
    total: priced.total.toString(),
    perToken: priced.perToken.toString(),
    formula:
      'floor(base × tokens × size × utilization × tee × rate); size = 1 + 0.3·log10(params/1e9), utilization = 0.5 + 1.5·load, tee = 1.2',
  };
}

export function quoteRoutes(services: RouterServices) {
  return new OpenAPIHono<IdentityEnv>().openapi(quoteRoute, (c) =>
    c.json(quoteNow(services, c.req.valid('query')), 200),
  );
}
