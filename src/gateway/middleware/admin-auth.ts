import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { gatewayError } from '../errors.ts';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Guards admin routes with `Authorization: Bearer <token>`, compared in constant time. */
export function requireAdmin(token: string): MiddlewareHandler {
  const expected = digest(token);
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer (.+)$/i.exec(header);
    if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
      c.header('WWW-Authenticate', 'Bearer realm="parley-admin"');
      throw gatewayError('ADMIN_UNAUTHORIZED');
    }
    await next();
  };
}
