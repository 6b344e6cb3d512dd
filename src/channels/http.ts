import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  authorizeFor,
  type IdentityEnv,
  type IdentityServices,
  requirePrincipal,
} from '../identity/index.ts';
import { callerSecurity, errorResponses, jsonBody, jsonResponse } from '../shared/index.ts';
import type { AssetRegistry } from './assets.ts';
import type { ChannelService } from './channels.ts';
import { channelError } from './errors.ts';
import { paymentChannelRoutes } from './http-channels.ts';
import { blockTag, type Ledger } from './ledger.ts';
import type { Payments } from './payments.ts';
import {
  adminMovementSchema,
  balancesSchema,
  blockSchema,
  ledgerInfoSchema,
  transferSchema,
} from './schemas.ts';

export interface ChannelServices {
  ledger: Ledger;
  channels: ChannelService;
  payments: Payments;
  assets: AssetRegistry;
  identity: IdentityServices;
}

const blockResponse = jsonResponse(blockSchema, 'The signed ledger block recording the movement');

const balancesRoute = createRoute({
  method: 'get',
  path: '/v1/accounts/{did}/balances',
  tags: ['ledger'],
  summary: 'Balances of an identity in every asset it has held (atomic units)',
  request: { params: z.object({ did: z.string().min(8).max(200) }) },
  responses: { 200: jsonResponse(balancesSchema, 'Balances') },
});

const faucetRoute = createRoute({
  method: 'post',
  path: '/v1/faucet',
  tags: ['ledger'],
  summary: 'Development faucet: grant the caller TNZO, once per cooldown',
  security: callerSecurity,
  responses: { 201: blockResponse, ...errorResponses(401, 403, 429) },
});

const transferRoute = createRoute({
  method: 'post',
  path: '/v1/transfers',
  tags: ['ledger'],
  summary: 'Move funds from the caller to another identity (checked against its delegated scope)',
  security: callerSecurity,
  request: { body: jsonBody(transferSchema) },
  responses: { 201: blockResponse, ...errorResponses(400, 401, 403, 404, 409) },
});

const depositRoute = createRoute({
  method: 'post',
  path: '/v1/admin/deposits',
  tags: ['admin'],
  summary: 'Credit an identity with funds received outside Parley',
  security: [{ adminToken: [] }],
  request: { body: jsonBody(adminMovementSchema) },
  responses: { 201: blockResponse, ...errorResponses(400, 401, 404) },
});

const withdrawalRoute = createRoute({
  method: 'post',
  path: '/v1/admin/withdrawals',
  tags: ['admin'],
  summary: 'Pay funds out of Parley from an identity',
  security: [{ adminToken: [] }],
  request: { body: jsonBody(adminMovementSchema) },
  responses: { 201: blockResponse, ...errorResponses(400, 401, 409) },
});

const blockRoute = createRoute({
  method: 'get',
  path: '/v1/ledger/blocks/{height}',
  tags: ['ledger'],
  summary: 'A signed ledger block: its postings, the hash it chains to, and the gateway signature',
  request: { params: z.object({ height: z.coerce.number().int().positive() }) },
  responses: { 200: jsonResponse(blockSchema, 'The block'), ...errorResponses(404) },
});

const ledgerRoute = createRoute({
  method: 'get',
  path: '/v1/ledger',
  tags: ['ledger'],
  summary: 'The ledger tip and the key that signs its blocks',
  responses: { 200: jsonResponse(ledgerInfoSchema, 'Ledger information') },
});

export function channelRoutes(services: ChannelServices) {
  const { ledger, payments, assets, identity } = services;
  return new OpenAPIHono<IdentityEnv>()
    .openapi(balancesRoute, (c) => {
      const { did } = c.req.valid('param');
      const balances = ledger.balances(did).map(({ asset, amount }) => ({
        asset,
        decimals: assets.find(asset)?.decimals ?? 0,
        amount: amount.toString(),
      }));
      return c.json({ account: did, balances }, 200);
    })
    .openapi(faucetRoute, (c) => {
      const principal = requirePrincipal(c);
      if (principal.admin) throw channelError('ACCOUNT_REQUIRED');
      authorizeFor(identity, principal, principal.did, { operation: 'faucet', asset: 'TNZO' });
      return c.json(payments.faucet(principal.did), 201);
    })
    .openapi(transferRoute, (c) => {
      const principal = requirePrincipal(c);
      const { to, asset, amount, memo } = c.req.valid('json');
      if (principal.admin) throw channelError('ACCOUNT_REQUIRED');
      const from = principal.did;
      authorizeFor(identity, principal, from, {
        operation: 'transfer',
        asset,
        amount: BigInt(amount),
        paymentProtocol: 'ledger',
      });
      return c.json(payments.transfer(from, to, asset, BigInt(amount), memo), 201);
    })
    .openapi(depositRoute, (c) => {
      const { did, asset, amount, reference } = c.req.valid('json');
      return c.json(payments.deposit(did, asset, BigInt(amount), reference), 201);
    })
    .openapi(withdrawalRoute, (c) => {
      const { did, asset, amount, reference } = c.req.valid('json');
      return c.json(payments.withdraw(did, asset, BigInt(amount), reference), 201);
    })
    .openapi(blockRoute, (c) => c.json(ledger.block(c.req.valid('param').height), 200))
    .openapi(ledgerRoute, (c) =>
      c.json({ height: ledger.height(), publicKey: ledger.publicKeyHex, tag: blockTag }, 200),
    )
    .route('/', paymentChannelRoutes(services));
}
