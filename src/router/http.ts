import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  authorizeFor,
  type IdentityEnv,
  type IdentityServices,
  requirePrincipal,
} from '../identity/index.ts';
import type { Clock, Rng } from '../shared/index.ts';
import { callerSecurity, errorResponses, jsonBody, jsonResponse } from '../shared/index.ts';
import type { ProviderAttestations } from './attestation.ts';
import type { CircuitBreakers } from './circuit-breaker.ts';
import { routerError } from './errors.ts';
import type { HealthTracker } from './health.ts';
import { attestationRoutes } from './http-attestation.ts';
import { explainRoutes } from './http-explain.ts';
import { openAiRoutes } from './http-openai.ts';
import { quoteRoutes } from './http-quote.ts';
import { stakeRoutes } from './http-stake.ts';
import type { PriceOracle } from './pricing.ts';
import type { ModelRegistry } from './registry.ts';
import type { ProviderView } from './schemas.ts';
import {
  heartbeatSchema,
  modelQuerySchema,
  modelSchema,
  providerSchema,
  registerModelSchema,
  registerProviderSchema,
} from './schemas.ts';
import type { StakeService } from './stake.ts';

export interface RouterServices {
  registry: ModelRegistry;
  stake: StakeService;
  attestations: ProviderAttestations;
  oracle: PriceOracle;
  health: HealthTracker;
  breakers: CircuitBreakers;
  rng: Rng;
  clock: Clock;
  identity: IdentityServices;
}

const idParam = z.object({ id: z.string().min(1).max(128) });

const listModelsRoute = createRoute({
  method: 'get',
  path: '/v1/registry/models',
  tags: ['registry'],
  summary: 'Discover models: filter by category, modality, max price, min context, TEE, text',
  request: { query: modelQuerySchema },
  responses: { 200: jsonResponse(z.object({ data: z.array(modelSchema) }), 'Models') },
});

const registerModelRoute = createRoute({
  method: 'post',
  path: '/v1/registry/models',
  tags: ['registry'],
  summary: 'Publish a model (the caller is its publisher)',
  security: callerSecurity,
  request: { body: jsonBody(registerModelSchema) },
  responses: { 201: jsonResponse(modelSchema, 'The model'), ...errorResponses(400, 401, 403, 409) },
});

const listProvidersRoute = createRoute({
  method: 'get',
  path: '/v1/providers',
  tags: ['registry'],
  summary: 'Registered providers with their models, hardware, TEE, capacity and last heartbeat',
  responses: { 200: jsonResponse(z.object({ data: z.array(providerSchema) }), 'Providers') },
});

const registerProviderRoute = createRoute({
  method: 'post',
  path: '/v1/providers',
  tags: ['registry'],
  summary: "Register a provider node under the caller's identity (signed request or API key)",
  security: callerSecurity,
  request: { body: jsonBody(registerProviderSchema) },
  responses: { 201: jsonResponse(providerSchema, 'The provider'), ...errorResponses(400, 401, 403, 404) },
});

const getProviderRoute = createRoute({
  method: 'get',
  path: '/v1/providers/{id}',
  tags: ['registry'],
  summary: 'One provider',
  request: { params: idParam },
  responses: { 200: jsonResponse(providerSchema, 'The provider'), ...errorResponses(404) },
});

const updateProviderRoute = createRoute({
  method: 'put',
  path: '/v1/providers/{id}',
  tags: ['registry'],
  summary:
    "Replace a provider's listing (endpoint, models, hardware, capacity), keeping its id and stake; by its own identity",
  security: callerSecurity,
  request: { params: idParam, body: jsonBody(registerProviderSchema) },
  responses: { 200: jsonResponse(providerSchema, 'The provider'), ...errorResponses(400, 401, 403, 404) },
});

const drainRoute = createRoute({
  method: 'post',
  path: '/v1/providers/{id}/drain',
  tags: ['registry'],
  summary: 'Announce a shutdown: routing sends the provider nothing new until its next heartbeat',
  security: callerSecurity,
  request: { params: idParam },
  responses: { 200: jsonResponse(providerSchema, 'The provider'), ...errorResponses(401, 403, 404) },
});

const banRoute = createRoute({
  method: 'post',
  path: '/v1/admin/providers/{id}/ban',
  tags: ['admin'],
  summary: 'Ban a provider: it leaves every routing pool, whatever its health',
  security: [{ adminToken: [] }],
  request: {
    params: idParam,
    body: jsonBody(z.object({ reason: z.string().min(1).max(500) }).meta({ id: 'BanRequest' })),
  },
  responses: { 200: jsonResponse(providerSchema, 'The banned provider'), ...errorResponses(400, 401, 404) },
});

const heartbeatRoute = createRoute({
  method: 'post',
  path: '/v1/providers/{id}/heartbeat',
  tags: ['registry'],
  summary: 'Keep a provider alive and report its load and throughput',
  security: callerSecurity,
  request: { params: idParam, body: jsonBody(heartbeatSchema) },
  responses: { 200: jsonResponse(providerSchema, 'The provider'), ...errorResponses(400, 401, 403, 404) },
});

export function routerRoutes(services: RouterServices) {
  const { registry, identity, health } = services;
  const withHealth = (provider: ProviderView) => ({
    ...provider,
    status: health.status(
      provider.id,
      Date.parse(provider.lastHeartbeatAt),
      provider.banned !== null,
      provider.draining,
    ),
    health: health.snapshot(provider.id),
  });
  const caller = (c: Parameters<typeof requirePrincipal>[0], operation: string) => {
    const principal = requirePrincipal(c);
    if (principal.admin)
      throw routerError('NOT_PROVIDER_OWNER', {}, 'Act as the provider identity, not with the admin token.');
    authorizeFor(identity, principal, principal.did, { operation });
    return principal.did;
  };
  return new OpenAPIHono<IdentityEnv>()
    .openapi(listModelsRoute, (c) => c.json({ data: registry.listModels(c.req.valid('query')) }, 200))
    .openapi(registerModelRoute, (c) =>
      c.json(registry.registerModel(caller(c, 'registry.model'), c.req.valid('json')), 201),
    )
    .openapi(listProvidersRoute, (c) => c.json({ data: registry.listProviders().map(withHealth) }, 200))
    .openapi(registerProviderRoute, async (c) =>
      c.json(
        withHealth(await registry.registerProvider(caller(c, 'registry.provider'), c.req.valid('json'))),
        201,
      ),
    )
    .openapi(getProviderRoute, (c) => c.json(withHealth(registry.provider(c.req.valid('param').id)), 200))
    .openapi(updateProviderRoute, async (c) =>
      c.json(
        withHealth(
          await registry.updateProvider(
            c.req.valid('param').id,
            caller(c, 'registry.provider'),
            c.req.valid('json'),
          ),
        ),
        200,
      ),
    )
    .openapi(heartbeatRoute, (c) =>
      c.json(
        withHealth(
          registry.heartbeat(c.req.valid('param').id, caller(c, 'registry.provider'), c.req.valid('json')),
        ),
        200,
      ),
    )
    .openapi(drainRoute, (c) =>
      c.json(withHealth(registry.drain(c.req.valid('param').id, caller(c, 'registry.provider'))), 200),
    )
    .openapi(banRoute, (c) =>
      c.json(withHealth(registry.ban(c.req.valid('param').id, c.req.valid('json').reason)), 200),
    )
    .route('/', stakeRoutes(services))
    .route('/', attestationRoutes(services))
    .route('/', quoteRoutes(services))
    .route('/', explainRoutes(services))
    .route('/', openAiRoutes(services));
}
