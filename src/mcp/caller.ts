import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Principal } from '../identity/index.ts';

/** Who sent one HTTP request to /mcp, as the gateway authenticated it, and its request id. */
export interface CallerContext {
  principal: Principal | undefined;
  requestId: string;
}

// The SDK hands a request's AuthInfo object through to every handler untouched, so the principal
// rides along keyed by that object instead of being cast out of `AuthInfo.extra`.
const contexts = new WeakMap<AuthInfo, CallerContext>();

/** The AuthInfo to pass to the transport for one HTTP request. */
export function authInfoFor(context: CallerContext): AuthInfo {
  const info: AuthInfo = { token: '', clientId: ownerOf(context.principal), scopes: [] };
  contexts.set(info, context);
  return info;
}

/** The caller behind a handler's `extra.authInfo`; anonymous when there is none. */
export function callerOf(authInfo: AuthInfo | undefined): CallerContext {
  return (authInfo && contexts.get(authInfo)) ?? { principal: undefined, requestId: '' };
}

/**
 * Who owns a session: the identity and the delegation it acts under (an API key bound to another
 * delegation is another owner), the admin, or anonymous.
 */
export function ownerOf(principal: Principal | undefined): string {
  if (!principal) return 'anonymous';
  if (principal.admin) return 'admin';
  return `${principal.did}#${principal.scope.delegationId ?? ''}`;
}
