import { createHash, timingSafeEqual } from 'node:crypto';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import {
  AppError,
  type Clock,
  cryptoRng,
  errorBodySchema,
  errorResponses,
  jsonBody,
  jsonResponse,
  parleyVersion,
  type Rng,
  randomId,
  schemaFailure,
  systemClock,
} from '../../shared/index.ts';
import type { InferenceEngine } from '../engine/index.ts';
import { type CompletionBody, serveCompletion } from './completions.ts';
import { providerApiError } from './errors.ts';
import type { Envelope } from './openai-format.ts';
import {
  chatCompletionChunkSchema,
  chatCompletionSchema,
  chatRequestSchema,
  completionRequestSchema,
  healthSchema,
  modelListSchema,
  type ProviderInfo,
  providerInfoSchema,
  textCompletionSchema,
} from './schemas.ts';

export interface ProviderAppOptions {
  engine: InferenceEngine;
  /** What the node adds to /v1/provider/info (registration, download progress); merged over the engine's. */
  info?: () => Partial<ProviderInfo>;
  clock?: Clock;
  rng?: Rng;
  /** When set, every /v1 route needs `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  maxBodyBytes?: number;
}

/** The engine's part of /v1/provider/info. */
export function engineInfo(engine: InferenceEngine): ProviderInfo {
  const { id, sha256, parameters, contextLength } = engine.model;
  const { gpu, capacity, inFlight, queued, tokensPerSecond, backend } = engine.stats();
  return {
    models: [{ id, sha256, parameters, contextLength }],
    gpu,
    capacity,
    inFlight,
    queued,
    tokensPerSecond,
    backend,
    version: parleyVersion,
  };
}

const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['system'],
  summary:
    'Liveness and load; 503 once the provider is draining, while its model server restarts, or while it downloads the model',
  responses: {
    200: jsonResponse(healthSchema, 'Serving'),
    503: jsonResponse(healthSchema, 'Draining, restarting its model server, or downloading the model'),
  },
});

const modelsRoute = createRoute({
  method: 'get',
  path: '/v1/models',
  tags: ['openai'],
  summary: 'The model this provider serves',
  responses: { 200: jsonResponse(modelListSchema, 'One model'), ...errorResponses(401) },
});

const infoRoute = createRoute({
  method: 'get',
  path: '/v1/provider/info',
  tags: ['provider'],
  summary: 'Model hashes, hardware, capacity and load',
  responses: { 200: jsonResponse(providerInfoSchema, 'Provider information'), ...errorResponses(401) },
});

const generationErrors = {
  ...errorResponses(400, 401, 404),
  429: {
    description: 'Every sequence is busy and the queue is full',
    content: { 'application/json': { schema: errorBodySchema } },
  },
  503: {
    description: 'Queue timeout, or draining',
    content: { 'application/json': { schema: errorBodySchema } },
  },
};

/** Each event's data is one chunk of this shape, and the last is `[DONE]`. */
const sse = (chunk: z.ZodType) => ({ 'text/event-stream': { schema: chunk } });

const chatRoute = createRoute({
  method: 'post',
  path: '/v1/chat/completions',
  tags: ['openai'],
  summary: 'Chat completion, rendered with the model’s chat template',
  request: { body: jsonBody(chatRequestSchema) },
  responses: {
    200: {
      description: 'The completion, or with stream: true one chunk per token, then data: [DONE]',
      content: {
        ...jsonResponse(chatCompletionSchema, '').content,
        ...sse(chatCompletionChunkSchema),
      },
    },
    ...generationErrors,
  },
});

const completionRoute = createRoute({
  method: 'post',
  path: '/v1/completions',
  tags: ['openai'],
  summary: 'Text completion of a raw prompt',
  request: { body: jsonBody(completionRequestSchema) },
  responses: {
    200: {
      description: 'The completion, or with stream: true one chunk per token, then data: [DONE]',
      content: { ...jsonResponse(textCompletionSchema, '').content, ...sse(textCompletionSchema) },
    },
    ...generationErrors,
  },
});

/** The provider's OpenAI-compatible HTTP API over one inference engine. */
export function providerApp(options: ProviderAppOptions) {
  const { engine } = options;
  const clock = options.clock ?? systemClock;
  const rng = options.rng ?? cryptoRng;
  const listedAt = Math.floor(clock.now() / 1000);
  const fingerprint = `parley-${engine.model.sha256.slice(0, 12)}`;
  const app = new OpenAPIHono({
    defaultHook: (result) => {
      if (!result.success) {
        const { details, message } = schemaFailure(result.error.issues);
        throw providerApiError('VALIDATION_FAILED', details, message);
      }
    },
  });
  const maxSize = options.maxBodyBytes ?? 8 * 1024 * 1024;
  app.use(
    bodyLimit({
      maxSize,
      onError: () => {
        throw providerApiError('PAYLOAD_TOO_LARGE', { maxBytes: maxSize });
      },
    }),
  );
  if (options.apiKey !== undefined) app.use('/v1/*', requireApiKey(options.apiKey));

  const envelope = (prefix: string): Envelope => ({
    id: `${prefix}-${randomId(rng, 12)}`,
    created: Math.floor(clock.now() / 1000),
    model: engine.model.id,
    system_fingerprint: fingerprint,
  });
  const complete = (input: CompletionBody, request: Request) =>
    serveCompletion(engine, input, envelope(input.kind === 'chat' ? 'chatcmpl' : 'cmpl'), request.signal);

  app
    .openapi(healthRoute, (c) => {
      const { draining, ready, unavailable, inFlight, queued } = engine.stats();
      if (draining) return c.json({ status: 'draining' as const }, 503);
      if (!ready)
        return c.json(
          { status: 'unavailable' as const, reason: unavailable ?? 'the model server is restarting' },
          503,
        );
      return c.json({ status: 'ok' as const, model: engine.model.id, inFlight, queued }, 200);
    })
    .openapi(modelsRoute, (c) =>
      c.json(
        {
          object: 'list' as const,
          data: [
            { id: engine.model.id, object: 'model' as const, created: listedAt, owned_by: 'parley-provider' },
          ],
        },
        200,
      ),
    )
    .openapi(infoRoute, (c) => c.json({ ...engineInfo(engine), ...options.info?.() }, 200))
    .openapi(chatRoute, (c) => complete({ kind: 'chat', body: c.req.valid('json') }, c.req.raw))
    .openapi(completionRoute, (c) => complete({ kind: 'completion', body: c.req.valid('json') }, c.req.raw));

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Parley provider',
      version: parleyVersion,
      description: 'OpenAI-compatible inference on one model.',
    },
  });
  app.notFound((c) => {
    const error = providerApiError('ROUTE_NOT_FOUND', { method: c.req.method, path: c.req.path });
    return c.json(error.toBody(), 404);
  });
  app.onError((err, c) => {
    const error = toAppError(err);
    return c.json(error.toBody(), error.status as ContentfulStatusCode);
  });
  return app;
}

export type ProviderApp = ReturnType<typeof providerApp>;

const digest = (value: string) => createHash('sha256').update(value).digest();

/** `Authorization: Bearer <apiKey>`, compared in constant time. */
function requireApiKey(apiKey: string): MiddlewareHandler {
  const expected = digest(apiKey);
  return async (c, next) => {
    const match = /^Bearer (.+)$/i.exec(c.req.header('authorization') ?? '');
    if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
      c.header('WWW-Authenticate', 'Bearer realm="parley-provider"');
      throw providerApiError('PROVIDER_UNAUTHORIZED');
    }
    await next();
  };
}

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 400 && /JSON/i.test(err.message)) return providerApiError('INVALID_JSON');
    if (err.status === 413) return providerApiError('PAYLOAD_TOO_LARGE');
    if (err.status < 500) return providerApiError('BAD_REQUEST', {}, err.message || undefined);
  }
  return providerApiError('INTERNAL_ERROR');
}
