import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { requestHeader } from '../shared/index.ts';
import type { ApiKeyService } from './api-keys.ts';
import type { Authenticator, Principal } from './authenticate.ts';
import type { DelegationService } from './delegations.ts';
import { identityError } from './errors.ts';
import { accessRoutes } from './http-access.ts';
import { identityDirectoryRoutes } from './http-identities.ts';
import { walletRoutes } from './http-wallets.ts';
import type { Actor, IdentityRegistry } from './registry.ts';
import { enforceScope, type ScopedRequest, type SpendHistory } from './scope.ts';
import type { WalletService } from './wallets.ts';

/** What identity puts on every request's context. */
export interface IdentityEnv {
  Variables: { principal?: Principal };
}

export interface IdentityServices {
  registry: IdentityRegistry;
  delegations: DelegationService;
  apiKeys: ApiKeyService;
  wallets: WalletService;
  authenticator: Authenticator;
  /** The ledger's record of spending, once channels are wired in. */
  spend?: SpendHistory;
  now: () => number;
}

/** Sets `principal` from the request's credentials (none: anonymous); bad credentials are a 401. */
export function authenticate(authenticator: Authenticator): MiddlewareHandler<IdentityEnv> {
  return (c, next) => {
    const signed = requestHeader(c, 'signature-input') !== undefined;
    // Anonymous requests pass straight through, without an extra async frame.
    if (!signed && requestHeader(c, 'authorization') === undefined) return next();
    return (async () => {
      const readsBody = signed && c.req.method !== 'GET' && c.req.method !== 'HEAD';
      const body = readsBody ? new Uint8Array(await c.req.arrayBuffer()) : undefined;
      const principal = authenticator.authenticate({
        method: c.req.method,
        url: c.req.url,
        headers: c.req.raw.headers,
        ...(body && body.length > 0 ? { body } : {}),
      });
      if (principal) c.set('principal', principal);
      await next();
    })();
  };
}

/** The authenticated caller, or 401. */
export function requirePrincipal(c: Context<IdentityEnv>): Principal {
  const principal = c.var.principal;
  if (!principal) throw identityError('AUTH_REQUIRED');
  return principal;
}

export const actorOf = (principal: Principal): Actor =>
  principal.admin ? { admin: true } : { did: principal.did };

/**
 * Checks that the caller may act for `did`: an admin, the identity itself within its delegated scope
 * for `operation`, or the identity's controller. Returns the caller as an actor.
 */
export function authorizeFor(
  services: IdentityServices,
  principal: Principal,
  did: string,
  request: ScopedRequest,
): Actor {
  if (principal.admin) return { admin: true };
  services.registry.requireActive(principal.did);
  if (principal.did === did) {
    enforceScope(principal.scope, request, services.now(), services.spend);
    return { did };
  }
  const target = services.registry.find(did);
  if (!target) throw identityError('IDENTITY_NOT_FOUND', { did });
  if (target.controllerDid === principal.did) return { did: principal.did };
  throw identityError(
    'NOT_PERMITTED',
    { did, caller: principal.did },
    'Only the identity, its controller or an admin may do this.',
  );
}

/** All identity routes: directory, delegations and API keys, wallets. */
export function identityRoutes(services: IdentityServices) {
  return new OpenAPIHono<IdentityEnv>()
    .route('/', identityDirectoryRoutes(services))
    .route('/', accessRoutes(services))
    .route('/', walletRoutes(services));
}
