import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { callerSecurity, errorResponses, jsonBody, jsonResponse } from '../shared/index.ts';
import { identityError } from './errors.ts';
import { authorizeFor, type IdentityEnv, type IdentityServices, requirePrincipal } from './http.ts';
import {
  createdWalletSchema,
  createWalletSchema,
  walletSchema,
  walletSignatureSchema,
  walletSignSchema,
} from './schemas.ts';

const idParam = z.object({ id: z.string().min(1).max(64) });

const createRoute_ = createRoute({
  method: 'post',
  path: '/v1/wallets',
  tags: ['identity'],
  summary:
    "Provision a 2-of-3 threshold wallet (FROST Ed25519) for a machine identity; returns the agent's share once",
  security: callerSecurity,
  request: { body: jsonBody(createWalletSchema) },
  responses: {
    201: jsonResponse(createdWalletSchema, 'The wallet and the agent share'),
    ...errorResponses(400, 401, 403, 404),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/v1/wallets/{id}',
  tags: ['identity'],
  summary: "A wallet's public key",
  request: { params: idParam },
  responses: { 200: jsonResponse(walletSchema, 'The wallet'), ...errorResponses(404) },
});

const signRoute = createRoute({
  method: 'post',
  path: '/v1/wallets/{id}/sign',
  tags: ['identity'],
  summary: 'Sign a message with two of the three shares; the signature verifies as plain Ed25519',
  description:
    "The owner signs with its agent share plus the gateway's; recovery (gateway + recovery share) is for admins.",
  security: callerSecurity,
  request: { params: idParam, body: jsonBody(walletSignSchema) },
  responses: {
    200: jsonResponse(walletSignatureSchema, 'The signature'),
    ...errorResponses(400, 401, 403, 404),
  },
});

export function walletRoutes(services: IdentityServices) {
  const { wallets } = services;
  return new OpenAPIHono<IdentityEnv>()
    .openapi(createRoute_, (c) => {
      const principal = requirePrincipal(c);
      const did = c.req.valid('json').did ?? (principal.admin ? undefined : principal.did);
      if (!did)
        throw identityError('NOT_PERMITTED', {}, 'An admin must name the identity (did) the wallet is for.');
      authorizeFor(services, principal, did, { operation: 'wallet.create' });
      return c.json(wallets.create(did), 201);
    })
    .openapi(getRoute, (c) => c.json(wallets.get(c.req.valid('param').id), 200))
    .openapi(signRoute, (c) => {
      const principal = requirePrincipal(c);
      const { id } = c.req.valid('param');
      const { message, shares, agentShare } = c.req.valid('json');
      const [first, second] = shares;
      if (!first || !second || first === second) throw identityError('WALLET_SHARES_INVALID', { shares });
      const wallet = wallets.get(id);
      if (!shares.includes('agent') && !principal.admin) {
        throw identityError(
          'NOT_PERMITTED',
          { shares },
          'Signing without the agent share (recovery) is for admins.',
        );
      }
      authorizeFor(services, principal, wallet.did, { operation: 'wallet.sign' });
      const signature = wallets.sign(id, hexToBytes(message), [first, second], agentShare);
      return c.json({ signature: bytesToHex(signature), publicKey: wallet.publicKey }, 200);
    });
}
