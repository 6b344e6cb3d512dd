import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Logger } from 'pino';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { Clock } from '../../shared/index.ts';
import type { AppEnv } from '../context.ts';

export interface HttpMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  duration: Histogram<'method' | 'route' | 'status'>;
}

/** A registry per app, so two gateways in one process (tests) never share counters. */
export function createHttpMetrics(): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status'] as const;
  return {
    registry,
    requests: new Counter({
      name: 'parley_http_requests_total',
      help: 'HTTP requests',
      labelNames,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'parley_http_request_duration_seconds',
      help: 'HTTP request latency from first byte in to response headers out',
      labelNames,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
}

/** The route pattern (not the raw path) labels metrics, so ids in URLs cannot explode cardinality. */
function routeLabel(c: Parameters<MiddlewareHandler>[0]): string {
  const route = matchedRoutes(c).findLast((matched) => matched.method !== 'ALL');
  return route?.path ?? '(unmatched)';
}

/** Records one metric sample and one structured log line per request, with its latency. */
export function observe(metrics: HttpMetrics, logger: Logger, clock: Clock): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = clock.now();
    await next();
    const latencyMs = clock.now() - started;
    const labels = { method: c.req.method, route: routeLabel(c), status: String(c.res.status) };
    metrics.requests.inc(labels);
    metrics.duration.observe(labels, latencyMs / 1000);
    if (logger.isLevelEnabled('info')) {
      logger.info(
        {
          requestId: c.var.requestId,
          method: c.req.method,
          path: c.req.path,
          status: c.res.status,
          latencyMs,
        },
        'request',
      );
    }
  };
}
