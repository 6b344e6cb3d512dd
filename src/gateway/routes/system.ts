import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { count } from 'drizzle-orm';
import { z } from 'zod';
import { jsonResponse } from '../../shared/index.ts';
import type { AppDeps } from '../app.ts';
import type { AppEnv } from '../context.ts';
import { migrationsApplied } from '../database.ts';
import { gatewayError } from '../errors.ts';
import type { HttpMetrics } from '../middleware/observe.ts';
import { errorBodySchema, gatewayInfoSchema, healthSchema, readinessSchema } from '../schemas.ts';
import { gatewayBoots } from '../tables.ts';

const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['system'],
  summary: 'Liveness: the process is up and serving HTTP',
  responses: { 200: jsonResponse(healthSchema, 'Alive') },
});

const readyRoute = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['system'],
  summary: 'Readiness: the database is open and every migration is applied',
  responses: { 200: jsonResponse(readinessSchema, 'Ready'), 503: jsonResponse(errorBodySchema, 'Not ready') },
});

const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['system'],
  summary: 'Prometheus metrics: requests and latency by route and status, process metrics',
  responses: {
    200: {
      description: 'Prometheus text exposition format',
      content: { 'text/plain': { schema: z.string() } },
    },
  },
});

const infoRoute = createRoute({
  method: 'get',
  path: '/v1/gateway',
  tags: ['system'],
  summary: "This gateway's version and the public key that signs its receipts and ledger blocks",
  responses: { 200: jsonResponse(gatewayInfoSchema, 'Gateway information') },
});

export function systemRoutes(deps: AppDeps & { metrics: HttpMetrics }) {
  const { db, metrics } = deps;
  return new OpenAPIHono<AppEnv>()
    .openapi(healthRoute, (c) => c.json({ status: 'ok' as const }, 200))
    .openapi(readyRoute, (c) => {
      try {
        db.sqlite.prepare('SELECT 1').get();
      } catch (error) {
        throw gatewayError('NOT_READY', { check: 'database', reason: (error as Error).message });
      }
      if (!migrationsApplied(db)) throw gatewayError('NOT_READY', { check: 'migrations' });
      return c.json(
        { status: 'ready' as const, checks: { database: 'ok' as const, migrations: 'ok' as const } },
        200,
      );
    })
    .openapi(metricsRoute, async (c) =>
      c.text(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType }),
    )
    .openapi(infoRoute, (c) => {
      const boots = db.orm.select({ boots: count() }).from(gatewayBoots).get()?.boots ?? 0;
      return c.json(
        {
          name: 'parley' as const,
          version: deps.version,
          publicKey: deps.gatewayKey.publicKeyHex,
          startedAt: new Date(deps.startedAt).toISOString(),
          boots,
        },
        200,
      );
    });
}
