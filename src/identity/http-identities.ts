import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { callerSecurity, errorResponses, jsonBody, jsonResponse } from '../shared/index.ts';
import { actorOf, authorizeFor, type IdentityEnv, type IdentityServices, requirePrincipal } from './http.ts';
import { challengeSchema, identitySchema, registerIdentitySchema, statusChangeSchema } from './schemas.ts';

const didParam = z.object({ did: z.string().min(8).max(200).meta({ example: 'did:parley:human:5f0c…' }) });

const challengeRoute = createRoute({
  method: 'post',
  path: '/v1/identities/challenges',
  tags: ['identity'],
  summary: 'Get a one-time challenge (10 minutes) that a registration signs to prove it holds its keys',
  responses: { 201: jsonResponse(challengeSchema, 'A fresh challenge') },
});

const registerRoute = createRoute({
  method: 'post',
  path: '/v1/identities',
  tags: ['identity'],
  summary: 'Register a human, a machine with a controller, or an autonomous machine',
  description:
    'Every key in `keys` signs `parley/identity-registration/v1\\n` + the RFC 8785 JSON of ' +
    '{challenge, kind, keys, controller?, capabilities, services}; a controlled machine also carries ' +
    "its controller's signature over the same bytes.",
  request: { body: jsonBody(registerIdentitySchema) },
  responses: { 201: jsonResponse(identitySchema, 'The new identity'), ...errorResponses(400, 404, 409) },
});

const getRoute = createRoute({
  method: 'get',
  path: '/v1/identities/{did}',
  tags: ['identity'],
  summary: 'An identity with its keys, capabilities, status and lifecycle history',
  request: { params: didParam },
  responses: { 200: jsonResponse(identitySchema, 'The identity'), ...errorResponses(404) },
});

const statusRoute = createRoute({
  method: 'post',
  path: '/v1/identities/{did}/status',
  tags: ['identity'],
  summary: 'Activate, suspend, resume or terminate an identity (itself, its controller, or an admin)',
  security: callerSecurity,
  request: { params: didParam, body: jsonBody(statusChangeSchema) },
  responses: {
    200: jsonResponse(identitySchema, 'The identity after the change'),
    ...errorResponses(401, 403, 404, 409),
  },
});

const resolveRoute = createRoute({
  method: 'get',
  path: '/v1/dids/{did}',
  tags: ['identity'],
  summary: 'Resolve a did:parley or did:key to its W3C DID document',
  request: { params: didParam },
  responses: {
    200: jsonResponse(z.looseObject({ id: z.string() }).meta({ id: 'DidDocument' }), 'The DID document'),
    ...errorResponses(400, 404),
  },
});

export function identityDirectoryRoutes(services: IdentityServices) {
  const { registry } = services;
  return new OpenAPIHono<IdentityEnv>()
    .openapi(challengeRoute, (c) => {
      const { challenge, expiresAt } = registry.createChallenge();
      return c.json({ challenge, expiresAt: new Date(expiresAt).toISOString() }, 201);
    })
    .openapi(registerRoute, (c) => c.json(registry.register(c.req.valid('json')), 201))
    .openapi(getRoute, (c) => c.json(registry.get(c.req.valid('param').did), 200))
    .openapi(statusRoute, (c) => {
      const { did } = c.req.valid('param');
      const { status, reason } = c.req.valid('json');
      const actor = actorOf(requirePrincipal(c));
      if (!('admin' in actor))
        authorizeFor(services, requirePrincipal(c), did, { operation: 'identity.status' });
      return c.json(registry.changeStatus(did, status, actor, reason), 200);
    })
    .openapi(resolveRoute, (c) => c.json(registry.resolve(c.req.valid('param').did), 200));
}
