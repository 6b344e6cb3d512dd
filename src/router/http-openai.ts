import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { IdentityEnv } from '../identity/index.ts';
import { jsonResponse } from '../shared/index.ts';
import { servedModels } from './candidates.ts';
import { routerError } from './errors.ts';
import type { RouterServices } from './http.ts';

const openAiModelSchema = z
  .object({ id: z.string(), object: z.literal('model'), created: z.number().int(), owned_by: z.string() })
  .meta({ id: 'OpenAIModel' });

const listRoute = createRoute({
  method: 'get',
  path: '/v1/models',
  tags: ['openai'],
  summary: 'OpenAI-compatible: the models some Active or Degraded provider serves right now',
  responses: {
    200: jsonResponse(z.object({ object: z.literal('list'), data: z.array(openAiModelSchema) }), 'Models'),
  },
});

const retrieveRoute = createRoute({
  method: 'get',
  path: '/v1/models/{model}',
  tags: ['openai'],
  summary: 'OpenAI-compatible: one model, if some provider serves it',
  request: { params: z.object({ model: z.string().min(1).max(128) }) },
  responses: { 200: jsonResponse(openAiModelSchema, 'The model') },
});

/** The OpenAI-compatible surface of the router (chat and completions join it with the provider node). */
export function openAiRoutes(services: RouterServices) {
  const { registry } = services;
  const available = () => {
    const served = servedModels(services);
    return registry
      .listModels({})
      .filter((model) => served.has(model.model_id))
      .map((model) => ({
        id: model.model_id,
        object: 'model' as const,
        created: Math.floor(Date.parse(model.created_at) / 1000),
        owned_by: model.provider,
      }));
  };
  return new OpenAPIHono<IdentityEnv>()
    .openapi(listRoute, (c) => c.json({ object: 'list' as const, data: available() }, 200))
    .openapi(retrieveRoute, (c) => {
      const { model } = c.req.valid('param');
      const found = available().find((entry) => entry.id === model);
      if (!found)
        throw routerError('MODEL_NOT_FOUND', { model_id: model }, `No provider serves ${model} right now.`);
      return c.json(found, 200);
    });
}
