import type { ServerResponse } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Logger } from 'pino';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { type Clock, type Rng, randomId, requestHeader } from '../../shared/index.ts';
import type { AppEnv } from '../context.ts';

export interface HttpMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  duration: Histogram<'method' | 'route' | 'status'>;
  breakerTransitions: Counter<'provider' | 'from' | 'to'>;
}

const breakerStates = ['closed', 'half-open', 'open'] as const;

/** Exposes each provider breaker's state (0 closed, 1 half-open, 2 open), read at scrape time. */
export function watchBreakers(
  metrics: HttpMetrics,
  snapshot: () => Array<{ providerId: string; state: (typeof breakerStates)[number] }>,
): void {
  new Gauge({
    name: 'parley_breaker_state',
    help: 'Circuit breaker state per provider: 0 closed, 1 half-open, 2 open',
    labelNames: ['provider'],
    registers: [metrics.registry],
    collect() {
      this.reset();
      for (const { providerId, state } of snapshot())
        this.set({ provider: providerId }, breakerStates.indexOf(state));
    },
  });
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
    breakerTransitions: new Counter({
      name: 'parley_breaker_transitions_total',
      help: 'Circuit breaker transitions per provider',
      labelNames: ['provider', 'from', 'to'],
      registers: [registry],
    }),
  };
}

/** OWASP's recommended headers for JSON APIs; handlers may override them (the docs page does). */
const secureHeaders: ReadonlyArray<readonly [string, string]> = [
  ['Cache-Control', 'no-store'],
  ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
  ['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'no-referrer'],
];

const validRequestId = /^[A-Za-z0-9._:=-]{1,128}$/;

/** The route pattern (not the raw path) labels metrics, so ids in URLs cannot explode cardinality. */
function routeLabel(c: Context): string {
  const route = matchedRoutes(c).findLast((matched) => matched.method !== 'ALL');
  return route?.path ?? '(unmatched)';
}

/**
 * The edge of every request, in one middleware: a request id (the caller's `X-Request-Id` when it
 * is sane), the secure headers, then one metric sample and one JSON log line with the latency.
 * It is one layer rather than three because each async layer costs a small request measurably
 * (bench/gateway-overhead.ts), and metric children are cached per label set for the same reason.
 */
export function observe(
  metrics: HttpMetrics,
  logger: Logger,
  clock: Clock,
  rng: Rng,
): MiddlewareHandler<AppEnv> {
  const series = new Map<string, { count: { inc(): void }; latency: { observe(seconds: number): void } }>();
  return async (c, next) => {
    const started = clock.now();
    const offered = requestHeader(c, 'x-request-id');
    const requestId = offered !== undefined && validRequestId.test(offered) ? offered : randomId(rng);
    c.set('requestId', requestId);
    // On Node, headers set on the ServerResponse are merged into whatever the handler returns without
    // a Headers object per request; elsewhere (app.request in tests) Hono's accessor does it.
    const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    const set = outgoing ? (name: string, value: string) => outgoing.setHeader(name, value) : c.header;
    set('X-Request-Id', requestId);
    for (const [name, value] of secureHeaders) set(name, value);

    await next();

    const latencyMs = clock.now() - started;
    const method = c.req.method;
    const route = routeLabel(c);
    const status = c.res.status;
    const key = `${method} ${route} ${status}`;
    let sample = series.get(key);
    if (!sample) {
      const labels = { method, route, status: String(status) };
      sample = { count: metrics.requests.labels(labels), latency: metrics.duration.labels(labels) };
      series.set(key, sample);
    }
    sample.count.inc();
    sample.latency.observe(latencyMs / 1000);
    if (logger.isLevelEnabled('info')) {
      logger.info({ requestId, method, path: c.req.path, status, latencyMs }, 'request');
    }
  };
}
