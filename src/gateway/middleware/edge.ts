import type { ServerResponse } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import { type Rng, randomId, requestHeader } from '../../shared/index.ts';
import type { AppEnv } from '../context.ts';

/**
 * OWASP's recommended headers for JSON APIs. Handlers may override them (the docs page relaxes the
 * CSP and caching for its own assets).
 */
const secureHeaders: ReadonlyArray<readonly [string, string]> = [
  ['Cache-Control', 'no-store'],
  ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
  ['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'no-referrer'],
];

const validRequestId = /^[A-Za-z0-9._:=-]{1,128}$/;

/**
 * Gives every request an id (the caller's `X-Request-Id` when it is sane, a random one otherwise) and
 * the secure headers. Headers are prepared before the response exists, which costs a fraction of
 * rewriting them afterwards the way the stock middlewares do (see bench/gateway-overhead.ts).
 */
export function edge(rng: Rng): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const offered = requestHeader(c, 'x-request-id');
    const id = offered !== undefined && validRequestId.test(offered) ? offered : randomId(rng);
    c.set('requestId', id);
    // On Node, headers set on the ServerResponse itself are merged into whatever the handler returns,
    // without a Headers object per request; elsewhere (app.request in tests) Hono's accessor does it.
    const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    const set = outgoing ? (name: string, value: string) => outgoing.setHeader(name, value) : c.header;
    set('X-Request-Id', id);
    for (const [name, value] of secureHeaders) set(name, value);
    await next();
  };
}
