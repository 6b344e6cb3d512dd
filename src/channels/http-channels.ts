import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { authorizeFor, type IdentityEnv, requirePrincipal } from '../identity/index.ts';
import { callerSecurity, errorResponses, jsonBody, jsonResponse } from '../shared/index.ts';
import { channelError } from './errors.ts';
import type { ChannelServices } from './http.ts';
import {
  channelSchema,
  closeChannelSchema,
  closedChannelSchema,
  openChannelSchema,
  stateBodySchema,
  topUpSchema,
} from './schemas.ts';
import { signedStateSchema } from './state.ts';

const idParam = z.object({ id: z.string().min(4).max(64) });
const channelResponse = (description: string) => jsonResponse(channelSchema, description);

const openRoute = createRoute({
  method: 'post',
  path: '/v1/channels',
  tags: ['channels'],
  summary: 'Open a payment channel: lock a deposit from the caller into escrow (nonce 0, expires in 30 days)',
  security: callerSecurity,
  request: { body: jsonBody(openChannelSchema) },
  responses: { 201: channelResponse('The open channel'), ...errorResponses(400, 401, 403, 409) },
});

const getRoute = createRoute({
  method: 'get',
  path: '/v1/channels/{id}',
  tags: ['channels'],
  summary: 'A channel: deposit, highest voucher, what was charged, and its closing state',
  request: { params: idParam },
  responses: { 200: channelResponse('The channel'), ...errorResponses(404) },
});

const statesRoute = createRoute({
  method: 'get',
  path: '/v1/channels/{id}/states',
  tags: ['channels'],
  summary: 'Every payer-signed state the gateway holds for a channel, by nonce',
  request: { params: idParam },
  responses: {
    200: jsonResponse(z.object({ data: z.array(signedStateSchema) }), 'States'),
    ...errorResponses(404),
  },
});

const voucherRoute = createRoute({
  method: 'post',
  path: '/v1/channels/{id}/vouchers',
  tags: ['channels'],
  summary: 'Hand the gateway a voucher (signed state) ahead of paid requests',
  request: { params: idParam, body: jsonBody(stateBodySchema) },
  responses: {
    200: channelResponse('The channel with the voucher accepted'),
    ...errorResponses(400, 401, 404, 409),
  },
});

const topUpRoute = createRoute({
  method: 'post',
  path: '/v1/channels/{id}/topup',
  tags: ['channels'],
  summary: "Add to a channel's deposit from the payer's balance",
  security: callerSecurity,
  request: { params: idParam, body: jsonBody(topUpSchema) },
  responses: { 200: channelResponse('The channel'), ...errorResponses(400, 401, 403, 404, 409) },
});

const closeRoute = createRoute({
  method: 'post',
  path: '/v1/channels/{id}/close',
  tags: ['channels'],
  summary:
    'Close a channel: cooperatively with a final state (settles now), or unilaterally (challenge window)',
  security: callerSecurity,
  request: { params: idParam, body: jsonBody(closeChannelSchema) },
  responses: {
    200: jsonResponse(closedChannelSchema, 'The channel after the close'),
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

const disputeRoute = createRoute({
  method: 'post',
  path: '/v1/channels/{id}/dispute',
  tags: ['channels'],
  summary: 'During the challenge window, replace the closing state with a payer-signed state of higher nonce',
  request: { params: idParam, body: jsonBody(stateBodySchema) },
  responses: {
    200: channelResponse('The channel with the new closing state'),
    ...errorResponses(400, 401, 404, 409),
  },
});

export function paymentChannelRoutes(services: ChannelServices) {
  const { channels, identity } = services;
  const sameChannel = (id: string, channelId: string) => {
    if (id !== channelId) throw channelError('VOUCHER_WRONG_CHANNEL', { channelId });
  };
  return new OpenAPIHono<IdentityEnv>()
    .openapi(openRoute, (c) => {
      const principal = requirePrincipal(c);
      if (principal.admin) throw channelError('ACCOUNT_REQUIRED');
      const { asset, deposit, payee } = c.req.valid('json');
      authorizeFor(identity, principal, principal.did, {
        operation: 'channel.open',
        asset,
        amount: BigInt(deposit),
        paymentProtocol: 'parley-channel',
      });
      return c.json(
        channels.open(principal.did, { asset, deposit: BigInt(deposit), ...(payee ? { payee } : {}) }),
        201,
      );
    })
    .openapi(getRoute, (c) => c.json(channels.get(c.req.valid('param').id), 200))
    .openapi(statesRoute, (c) => c.json({ data: channels.states(c.req.valid('param').id) }, 200))
    .openapi(voucherRoute, (c) => {
      const { state } = c.req.valid('json');
      sameChannel(c.req.valid('param').id, state.channelId);
      channels.acceptVoucher(state);
      return c.json(channels.get(state.channelId), 200);
    })
    .openapi(topUpRoute, (c) => {
      const principal = requirePrincipal(c);
      if (principal.admin) throw channelError('ACCOUNT_REQUIRED');
      const { id } = c.req.valid('param');
      const { amount } = c.req.valid('json');
      const channel = channels.get(id);
      authorizeFor(identity, principal, principal.did, {
        operation: 'channel.topup',
        asset: channel.asset,
        amount: BigInt(amount),
        paymentProtocol: 'parley-channel',
      });
      return c.json(channels.topUp(id, principal.did, BigInt(amount)), 200);
    })
    .openapi(closeRoute, (c) => {
      const principal = requirePrincipal(c);
      const { id } = c.req.valid('param');
      const { state } = c.req.valid('json');
      if (state) sameChannel(id, state.channelId);
      if (!principal.admin) authorizeFor(identity, principal, principal.did, { operation: 'channel.close' });
      if (state?.final) return c.json(channels.closeCooperatively(state), 200);
      return c.json(
        { channel: channels.closeUnilaterally(id, principal.admin ? undefined : principal.did, state) },
        200,
      );
    })
    .openapi(disputeRoute, (c) => {
      const { state } = c.req.valid('json');
      sameChannel(c.req.valid('param').id, state.channelId);
      return c.json(channels.dispute(state), 200);
    });
}
