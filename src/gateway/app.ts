import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';
import { a2aRoutes } from '../a2a/index.ts';
import {
  channelRoutes,
  createChannelServices,
  type FaucetConfig,
  systemAccounts,
} from '../channels/index.ts';
import {
  authenticate,
  createIdentityServices,
  didKeyFromPublicKey,
  type IdentityEnv,
  identityRoutes,
  requirePrincipal,
} from '../identity/index.ts';
import { mcpRoutes } from '../mcp/index.ts';
import {
  createRouterServices,
  type ForwardingConfig,
  inferenceRoutes,
  routerRoutes,
} from '../router/index.ts';
import { AppError, type Clock, type Rng, schemaFailure } from '../shared/index.ts';
import {
  AppraisalStore,
  defaultTeeConfig,
  type TeeConfig,
  type TeeServices,
  teeRoutes,
} from '../tee/index.ts';
import type { AppEnv, ProtocolContext } from './context.ts';
import type { Db } from './database.ts';
import { gatewayError } from './errors.ts';
import { requireAdmin } from './middleware/admin-auth.ts';
import { createHttpMetrics, observe, watchBreakers } from './middleware/observe.ts';
import { adminRoutes } from './routes/admin.ts';
import { docsRoutes } from './routes/docs.ts';
import { systemRoutes } from './routes/system.ts';
import type { GatewayKey } from './secrets.ts';

export interface AppDeps {
  db: Db;
  clock: Clock;
  rng: Rng;
  logger: Logger;
  gatewayKey: GatewayKey;
  adminToken: string;
  walletSealingKey: Uint8Array;
  faucet: FaucetConfig;
  channel: { expiryMs: number; challengeMs: number };
  allowPrivateProviderEndpoints: boolean;
  version: string;
  startedAt: number;
  corsOrigins: string[];
  maxBodyBytes: number;
  forwarding: ForwardingConfig;
  /** TEE settings (clock override, the dev-only sim platform, evidence age, roots); defaults when left out. */
  tee?: Partial<TeeConfig>;
  /** How the gateway reaches providers; tests may inject one. */
  fetch?: typeof fetch;
}

export type App = OpenAPIHono<AppEnv>;

/** Every area's services over the same database, clock and RNG. */
export function createServices(deps: AppDeps) {
  const metrics = createHttpMetrics();
  const tee: TeeServices = {
    clock: deps.clock,
    appraisals: new AppraisalStore({ orm: deps.db.orm, clock: deps.clock, rng: deps.rng }),
    config: { ...defaultTeeConfig, ...deps.tee },
  };
  // The ledger answers identity's daily-spend questions, so it is built first and handed over.
  const spend = {
    spentSince: (did: string, asset: string, since: number) => channels.ledger.spentSince(did, asset, since),
  };
  const identity = createIdentityServices({
    orm: deps.db.orm,
    clock: deps.clock,
    rng: deps.rng,
    adminToken: deps.adminToken,
    walletSealingKey: deps.walletSealingKey,
    spend,
  });
  const channels = createChannelServices({
    orm: deps.db.orm,
    clock: deps.clock,
    signer: deps.gatewayKey,
    identity,
    faucet: deps.faucet,
    rng: deps.rng,
    channel: deps.channel,
  });
  const router = createRouterServices({
    orm: deps.db.orm,
    clock: deps.clock,
    rng: deps.rng,
    identity,
    ledger: channels.ledger,
    allowPrivateEndpoints: deps.allowPrivateProviderEndpoints,
    tee,
    onBreakerTransition: ({ providerId, from, to }) =>
      metrics.breakerTransitions.inc({ provider: providerId, from, to }),
  });
  watchBreakers(metrics, () => router.breakers.snapshot());
  return { identity, channels, router, metrics, tee };
}

export type Services = ReturnType<typeof createServices>;

/**
 * What the paid inference routes and the agent protocols act on, from the same services the HTTP
 * API uses (tests that mount MCP or A2A on their own build it here too).
 */
export function protocolContext(deps: AppDeps, services: Services): ProtocolContext {
  const { identity, channels, router } = services;
  return {
    identity,
    channels,
    router,
    inference: {
      router,
      channels: channels.channels,
      hub: systemAccounts.hub,
      forwarding: deps.forwarding,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    },
    clock: deps.clock,
    rng: deps.rng,
    version: deps.version,
    publicKey: deps.gatewayKey.publicKeyHex,
    startedAt: deps.startedAt,
    orm: deps.db.orm,
    tee: services.tee,
  };
}

/** Builds the whole HTTP surface from its dependencies; no global state, so tests build many. */
export function createApp(deps: AppDeps, services: Services = createServices(deps)): App {
  const { identity, channels, router, metrics } = services;
  const app: App = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const { details, message } = schemaFailure(result.error.issues);
        throw gatewayError('VALIDATION_FAILED', details, message);
      }
    },
  });

  app.use(observe(metrics, deps.logger, deps.clock, deps.rng));
  if (deps.corsOrigins.length > 0) {
    app.use(
      cors({
        origin: deps.corsOrigins.includes('*') ? '*' : deps.corsOrigins,
        exposeHeaders: ['X-Request-Id'],
      }),
    );
  }
  const limitBody = bodyLimit({
    maxSize: deps.maxBodyBytes,
    onError: () => {
      throw gatewayError('PAYLOAD_TOO_LARGE', { maxBytes: deps.maxBodyBytes });
    },
  });
  // GET and HEAD carry no body; skipping them avoids materialising the full Request object.
  app.use((c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limitBody(c, next)));

  app.use(authenticate(identity.authenticator));
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (parley_…) from POST /v1/api-keys',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'httpSignature', {
    type: 'apiKey',
    in: 'header',
    name: 'Signature',
    description:
      'RFC 9421 Ed25519 signature (label "parley") by a registered key, with Signature-Input and Content-Digest',
  });

  // Every /v1/admin route of every area sits behind the admin token.
  app.use('/v1/admin/*', requireAdmin(deps.adminToken));
  app.route('/', systemRoutes({ ...deps, metrics }));
  app.route('/', identityRoutes(identity));
  app.route('/', channelRoutes(channels));
  app.route('/', routerRoutes(router));
  const protocols = protocolContext(deps, services);
  app.route('/', inferenceRoutes(protocols.inference));
  // Browsers from the configured CORS origins may use /mcp too; '*' would switch off DNS-rebinding protection.
  app.route(
    '/',
    mcpRoutes(protocols, { allowedOrigins: deps.corsOrigins.filter((origin) => origin !== '*') }),
  );
  // The gateway key signs the agent card and every push delivery; its did:key is the JWS `kid`.
  const signer = { keyId: didKeyFromPublicKey(deps.gatewayKey.publicKey), sign: deps.gatewayKey.sign };
  app.route(
    '/',
    a2aRoutes(protocols, {
      signer,
      push: { allowPrivateEndpoints: deps.allowPrivateProviderEndpoints, signer },
    }),
  );
  // Verifying evidence is CPU-heavy: only callers with credentials may ask for it.
  app.use('/v1/attestations/*', async (c, next) => {
    if (c.req.method === 'POST') requirePrincipal(c as unknown as Context<IdentityEnv>);
    await next();
  });
  app.route('/', teeRoutes(services.tee));
  app.route('/', adminRoutes(deps));
  app.route('/', docsRoutes(app, deps.version));

  app.notFound((c) => {
    const error = gatewayError('ROUTE_NOT_FOUND', { method: c.req.method, path: c.req.path });
    return c.json(error.toBody(), 404);
  });
  app.onError((err, c) => {
    const error = toAppError(err);
    if (error.status >= 500) deps.logger.error({ err, requestId: c.var.requestId }, 'request failed');
    return c.json(error.toBody(), error.status as ContentfulStatusCode);
  });
  return app;
}

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 400 && /JSON/i.test(err.message))
      return gatewayError('INVALID_JSON', {}, `${err.message}.`);
    if (err.status === 413) return gatewayError('PAYLOAD_TOO_LARGE');
    if (err.status < 500) return gatewayError('BAD_REQUEST', {}, err.message || undefined);
  }
  return gatewayError('INTERNAL_ERROR');
}
