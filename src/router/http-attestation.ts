import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { authorizeFor, type IdentityEnv, requirePrincipal } from '../identity/index.ts';
import { callerSecurity, errorResponses, jsonBody, jsonResponse } from '../shared/index.ts';
import { storedAppraisalSchema, teePlatformSchema } from '../tee/index.ts';
import { routerError } from './errors.ts';
import type { RouterServices } from './http.ts';
import { modelSchema, teeModelPolicySchema } from './schemas.ts';

const idParam = z.object({ id: z.string().min(1).max(128) });

const challengeRoute = createRoute({
  method: 'post',
  path: '/v1/providers/{id}/attestation/challenge',
  tags: ['registry'],
  summary: 'A fresh nonce (10 min) that the provider binds into its TEE evidence',
  description:
    'Report data / user data must start with SHA-256("parley/tee-binding/v1" ‖ the provider DID key ‖ the model sha256 ‖ nonce).',
  security: callerSecurity,
  request: { params: idParam },
  responses: {
    200: jsonResponse(
      z.object({ nonce: z.string(), expiresAt: z.iso.datetime() }).meta({ id: 'AttestationChallenge' }),
      'The challenge',
    ),
    ...errorResponses(401, 403, 404),
  },
});

const submitRoute = createRoute({
  method: 'post',
  path: '/v1/providers/{id}/attestation',
  tags: ['registry'],
  summary: 'Submit TEE evidence for a model: valid evidence makes the provider TEE-capable for it',
  description:
    'Invalid evidence slashes 10% of the stake and removes the provider from TEE pools. The appraisal is stored for audit.',
  security: callerSecurity,
  request: {
    params: idParam,
    body: jsonBody(
      z
        .object({
          model: z.string().min(1).max(128),
          platform: teePlatformSchema,
          evidence: z.string().min(1).max(1_000_000).meta({ description: 'base64' }),
          certificates: z.string().max(200_000).optional(),
        })
        .meta({ id: 'ProviderAttestation' }),
    ),
  },
  responses: {
    200: jsonResponse(storedAppraisalSchema, 'The appraisal, valid or not'),
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

const policyRoute = createRoute({
  method: 'put',
  path: '/v1/registry/models/{id}/tee-policy',
  tags: ['registry'],
  summary: "Set a model's TEE policy: which platforms and measurements make a provider TEE-capable for it",
  description:
    'Only the publisher may. Capabilities whose appraised claims the new policy no longer allows end at once (no slash).',
  security: callerSecurity,
  request: {
    params: idParam,
    body: jsonBody(
      z.object({ tee_policy: teeModelPolicySchema.nullable() }).strict().meta({ id: 'SetModelTeePolicy' }),
    ),
  },
  responses: { 200: jsonResponse(modelSchema, 'The model'), ...errorResponses(400, 401, 403, 404) },
});

export function attestationRoutes(services: RouterServices) {
  const owner = (c: Parameters<typeof requirePrincipal>[0]) => {
    const principal = requirePrincipal(c);
    if (principal.admin)
      throw routerError('NOT_PROVIDER_OWNER', {}, 'Act as the provider identity, not with the admin token.');
    authorizeFor(services.identity, principal, principal.did, { operation: 'registry.attestation' });
    return principal.did;
  };
  return new OpenAPIHono<IdentityEnv>()
    .openapi(challengeRoute, (c) =>
      c.json(services.attestations.challenge(c.req.valid('param').id, owner(c)), 200),
    )
    .openapi(policyRoute, (c) => {
      const principal = requirePrincipal(c);
      if (principal.admin)
        throw routerError(
          'NOT_MODEL_PUBLISHER',
          {},
          'Act as the publisher identity, not with the admin token.',
        );
      authorizeFor(services.identity, principal, principal.did, { operation: 'registry.model' });
      const { id } = c.req.valid('param');
      const model = services.registry.setTeePolicy(principal.did, id, c.req.valid('json').tee_policy);
      services.attestations.revalidate(id);
      return c.json(model, 200);
    })
    .openapi(submitRoute, (c) => {
      const { model, platform, evidence, certificates } = c.req.valid('json');
      const stored = services.attestations.submit(c.req.valid('param').id, owner(c), {
        model,
        platform,
        evidence: new Uint8Array(Buffer.from(evidence, 'base64')),
        ...(certificates ? { certificates } : {}),
      });
      return c.json(stored, 200);
    });
}
