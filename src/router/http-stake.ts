import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { authorizeFor, type IdentityEnv, requirePrincipal } from '../identity/index.ts';
import {
  atomicAmountSchema,
  callerSecurity,
  errorResponses,
  jsonBody,
  jsonResponse,
  positiveAmountSchema,
} from '../shared/index.ts';
import { routerError } from './errors.ts';
import type { RouterServices } from './http.ts';
import { slashingPolicy, stakeAsset } from './stake.ts';

const idParam = z.object({ id: z.string().min(1).max(128) });
const amountBody = z.object({ amount: positiveAmountSchema }).meta({ id: 'StakeAmount' });
const slashReasonSchema = z.enum(
  Object.keys(slashingPolicy) as [keyof typeof slashingPolicy, ...Array<keyof typeof slashingPolicy>],
);

const slashSchema = z
  .object({
    providerId: z.string(),
    reason: z.string(),
    amount: atomicAmountSchema,
    height: z.number().int().nullable(),
    at: z.iso.datetime(),
    evidence: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'Slash' });

const stakeSchema = z
  .object({
    providerId: z.string(),
    asset: z.literal(stakeAsset),
    bonded: atomicAmountSchema,
    slashes: z.array(slashSchema),
  })
  .meta({ id: 'ProviderStake' });

const getStakeRoute = createRoute({
  method: 'get',
  path: '/v1/providers/{id}/stake',
  tags: ['registry'],
  summary: "A provider's bonded stake and its slashing history",
  request: { params: idParam },
  responses: { 200: jsonResponse(stakeSchema, 'Stake'), ...errorResponses(404) },
});

const bondRoute = createRoute({
  method: 'post',
  path: '/v1/providers/{id}/stake',
  tags: ['registry'],
  summary: "Bond TNZO from the provider identity's balance as stake",
  security: callerSecurity,
  request: { params: idParam, body: jsonBody(amountBody) },
  responses: { 200: jsonResponse(stakeSchema, 'Stake'), ...errorResponses(400, 401, 403, 404, 409) },
});

const unbondRoute = createRoute({
  method: 'post',
  path: '/v1/providers/{id}/unstake',
  tags: ['registry'],
  summary: 'Start unbonding stake; it returns to the provider identity after 7 days',
  security: callerSecurity,
  request: { params: idParam, body: jsonBody(amountBody) },
  responses: {
    200: jsonResponse(z.object({ releaseAt: z.iso.datetime() }), 'When the stake is released'),
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

const slashRoute = createRoute({
  method: 'post',
  path: '/v1/admin/providers/{id}/slash',
  tags: ['admin'],
  summary: 'Slash a provider by the policy share for an offence, recording the evidence',
  security: [{ adminToken: [] }],
  request: {
    params: idParam,
    body: jsonBody(
      z
        .object({ reason: slashReasonSchema, evidence: z.record(z.string(), z.unknown()) })
        .meta({ id: 'SlashRequest' }),
    ),
  },
  responses: { 200: jsonResponse(slashSchema, 'The slash'), ...errorResponses(400, 401, 404) },
});

export function stakeRoutes(services: RouterServices) {
  const { stake, identity, registry } = services;
  const view = (providerId: string) => {
    registry.provider(providerId);
    return {
      providerId,
      asset: stakeAsset,
      bonded: stake.bonded(providerId).toString(),
      slashes: stake.slashHistory(providerId),
    };
  };
  const owner = (c: Parameters<typeof requirePrincipal>[0], amount: string) => {
    const principal = requirePrincipal(c);
    if (principal.admin) throw routerError('NOT_PROVIDER_OWNER', {}, 'Act as the provider identity.');
    authorizeFor(identity, principal, principal.did, {
      operation: 'stake',
      asset: stakeAsset,
      amount: BigInt(amount),
    });
    return principal.did;
  };
  return new OpenAPIHono<IdentityEnv>()
    .openapi(getStakeRoute, (c) => c.json(view(c.req.valid('param').id), 200))
    .openapi(bondRoute, (c) => {
      const { id } = c.req.valid('param');
      const { amount } = c.req.valid('json');
      stake.bond(id, owner(c, amount), BigInt(amount));
      return c.json(view(id), 200);
    })
    .openapi(unbondRoute, (c) => {
      const { id } = c.req.valid('param');
      const { amount } = c.req.valid('json');
      const { releaseAt } = stake.unbond(id, owner(c, amount), BigInt(amount));
      return c.json({ releaseAt: new Date(releaseAt).toISOString() }, 200);
    })
    .openapi(slashRoute, (c) => {
      const { id } = c.req.valid('param');
      const { reason, evidence } = c.req.valid('json');
      return c.json(stake.slash(id, reason, evidence), 200);
    });
}
