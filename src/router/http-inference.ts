import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { type IdentityEnv, requirePrincipal } from '../identity/index.ts';
import { callerSecurity, errorResponses, jsonBody, jsonResponse, requestHeader } from '../shared/index.ts';
import {
  admit,
  type InferenceBody,
  type InferenceDeps,
  type InferenceKind,
  pricedModel,
} from './inference.ts';
import {
  chatRequestSchema,
  completionRequestSchema,
  completionResponseSchema,
  embeddingRequestSchema,
} from './openai-schemas.ts';
import { serve } from './relay.ts';

type InferenceEnv = { Variables: IdentityEnv['Variables'] & { requestId?: string } };

const paidHeaders = z.object({
  'parley-voucher': z.string().max(4096).optional().meta({
    description: 'base64url of a JSON SignedChannelState authorizing this request; a 402 says how to get one',
  }),
  'parley-routing': z.string().max(64).optional().meta({ description: 'Routing strategy for this request' }),
});

const sse = {
  'text/event-stream': {
    schema: z.string().meta({
      description:
        'OpenAI chunks; the last one (finish_reason set) carries `parley` with the receipt, then data: [DONE]',
    }),
  },
};

const paidResponses = {
  ...errorResponses(400, 401, 403, 404),
  402: {
    description: 'Payment required: the body says what to pay and how',
    content: errorResponses(402)[402]?.content,
  },
  502: { description: 'Every provider tried failed', content: errorResponses(502)[502]?.content },
  503: { description: 'No provider can serve the model now', content: errorResponses(503)[503]?.content },
};

function inferenceRoute(path: string, summary: string, schema: z.ZodType, streams: boolean) {
  return createRoute({
    method: 'post',
    path,
    tags: ['openai'],
    summary,
    description:
      'OpenAI-compatible. Priced models need a Parley-Voucher header; the response says which provider served it ' +
      '(Parley-Provider), at what price (Parley-Price-Per-Token, Parley-Asset), and carries the signed receipt ' +
      '(Parley-Receipt, or the final stream chunk).',
    security: callerSecurity,
    request: { body: jsonBody(schema), headers: paidHeaders },
    responses: {
      200: {
        description: 'The completion',
        content: { ...jsonResponse(completionResponseSchema, '').content, ...(streams ? sse : {}) },
      },
      ...paidResponses,
    },
  });
}

const chatRoute = inferenceRoute(
  '/v1/chat/completions',
  'Chat completion through the router, metered per token',
  chatRequestSchema,
  true,
);
const completionRoute = inferenceRoute(
  '/v1/completions',
  'Text completion through the router, metered per token',
  completionRequestSchema,
  true,
);
const embeddingRoute = inferenceRoute(
  '/v1/embeddings',
  'Embeddings from a provider that offers them, billed per input token',
  embeddingRequestSchema,
  false,
);

/**
 * The spending half of the OpenAI-compatible API. Every route takes the same path: the model's price
 * (402 without a voucher), authentication, the caller's delegation scope, the voucher, routing.
 */
export function inferenceRoutes(deps: InferenceDeps) {
  const handle = (c: Context<InferenceEnv>, kind: InferenceKind, body: InferenceBody) => {
    const voucher = requestHeader(c, 'parley-voucher');
    const model = pricedModel(deps, body.model, voucher);
    const principal = requirePrincipal(c);
    const routingHeader = requestHeader(c, 'parley-routing');
    const admission = admit(deps, { kind, body, principal, voucher, routingHeader }, model);
    return serve(deps, admission, body, c.var.requestId ?? '');
  };
  return new OpenAPIHono<InferenceEnv>()
    .openapi(chatRoute, (c) => handle(c, 'chat', c.req.valid('json') as InferenceBody))
    .openapi(completionRoute, (c) => handle(c, 'completion', c.req.valid('json') as InferenceBody))
    .openapi(embeddingRoute, (c) => handle(c, 'embedding', c.req.valid('json') as InferenceBody));
}
