import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { callerSecurity, errorResponses, jsonBody, jsonResponse } from '../shared/index.ts';
import { identityError } from './errors.ts';
import { actorOf, authorizeFor, type IdentityEnv, type IdentityServices, requirePrincipal } from './http.ts';
import {
  apiKeySchema,
  createApiKeySchema,
  createdApiKeySchema,
  delegationSchema,
  issueDelegationSchema,
} from './schemas.ts';

const idParam = z.object({ id: z.string().min(1).max(128) });

const issueRoute = createRoute({
  method: 'post',
  path: '/v1/delegations',
  tags: ['identity'],
  summary: 'Record a delegation signed by its issuer (a controller to its machine, or a re-delegation)',
  description:
    'The issuer signs `parley/delegation/v1\\n` + the RFC 8785 JSON of the payload with one of its keys. ' +
    'A re-delegation names its parent in `prf` and may only narrow its limits and time bound.',
  request: { body: jsonBody(issueDelegationSchema) },
  responses: { 201: jsonResponse(delegationSchema, 'The delegation'), ...errorResponses(400, 403, 404) },
});

const getDelegationRoute = createRoute({
  method: 'get',
  path: '/v1/delegations/{id}',
  tags: ['identity'],
  summary: 'A delegation and the effective policy of its whole chain',
  request: { params: idParam },
  responses: { 200: jsonResponse(delegationSchema, 'The delegation'), ...errorResponses(404) },
});

const revokeRoute = createRoute({
  method: 'delete',
  path: '/v1/delegations/{id}',
  tags: ['identity'],
  summary: 'Revoke a delegation (its issuer or an admin); everything delegated under it stops at once',
  security: callerSecurity,
  request: { params: idParam },
  responses: {
    200: jsonResponse(delegationSchema, 'The revoked delegation'),
    ...errorResponses(401, 403, 404),
  },
});

const createKeyRoute = createRoute({
  method: 'post',
  path: '/v1/api-keys',
  tags: ['identity'],
  summary:
    'Issue an API key for an identity (itself, its controller, or an admin), optionally bound to a delegation',
  security: callerSecurity,
  request: { body: jsonBody(createApiKeySchema) },
  responses: {
    201: jsonResponse(createdApiKeySchema, 'The key; its secret is shown only now'),
    ...errorResponses(400, 401, 403),
  },
});

const listKeysRoute = createRoute({
  method: 'get',
  path: '/v1/api-keys',
  tags: ['identity'],
  summary: "The caller's API keys (without secrets)",
  security: callerSecurity,
  responses: {
    200: jsonResponse(z.object({ data: z.array(apiKeySchema) }), 'Keys, newest first'),
    ...errorResponses(401),
  },
});

const revokeKeyRoute = createRoute({
  method: 'delete',
  path: '/v1/api-keys/{id}',
  tags: ['identity'],
  summary: 'Revoke an API key (its owner or an admin)',
  security: callerSecurity,
  request: { params: idParam },
  responses: { 200: jsonResponse(apiKeySchema, 'The revoked key'), ...errorResponses(401, 403) },
});

export function accessRoutes(services: IdentityServices) {
  const { delegations, apiKeys } = services;
  return new OpenAPIHono<IdentityEnv>()
    .openapi(issueRoute, (c) => c.json(delegations.issue(c.req.valid('json')), 201))
    .openapi(getDelegationRoute, (c) => c.json(delegations.get(c.req.valid('param').id), 200))
    .openapi(revokeRoute, (c) =>
      c.json(delegations.revoke(c.req.valid('param').id, actorOf(requirePrincipal(c))), 200),
    )
    .openapi(createKeyRoute, (c) => {
      const principal = requirePrincipal(c);
      const input = c.req.valid('json');
      const did = input.did ?? (principal.admin ? undefined : principal.did);
      if (!did)
        throw identityError('NOT_PERMITTED', {}, 'An admin must name the identity (did) the key is for.');
      authorizeFor(services, principal, did, { operation: 'api_key.create' });
      const created = apiKeys.create({
        did,
        name: input.name,
        ...(input.delegationId ? { delegationId: input.delegationId } : {}),
      });
      return c.json(created, 201);
    })
    .openapi(listKeysRoute, (c) => {
      const principal = requirePrincipal(c);
      if (principal.admin)
        throw identityError('NOT_PERMITTED', {}, 'Admins list keys per identity: authenticate as it.');
      return c.json({ data: apiKeys.list(principal.did) }, 200);
    })
    .openapi(revokeKeyRoute, (c) =>
      c.json(apiKeys.revoke(c.req.valid('param').id, actorOf(requirePrincipal(c))), 200),
    );
}
