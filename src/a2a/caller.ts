import { Extensions } from '@a2a-js/sdk';
import { ServerCallContext, STATE_HEADERS_KEY, type User } from '@a2a-js/sdk/server';
import type { Principal } from '../identity/index.ts';
import { a2aError } from './errors.ts';

/** The gateway's authenticated caller as the SDK's user; its name scopes tasks, buses and webhooks. */
export class PrincipalUser implements User {
  constructor(readonly principal: Principal) {}

  get isAuthenticated(): boolean {
    return true;
  }

  get userName(): string {
    return this.principal.admin ? 'admin' : this.principal.did;
  }
}

const baseUrlKey = 'parley/base-url';

export interface CallInput {
  principal: Principal;
  /** The A2A wire version the request speaks: decides push-notification payloads. */
  version: '0.3' | '1.0';
  /** Origin the caller reached us at (card URLs, x402 resource URLs). */
  baseUrl: string;
  headers: Record<string, string>;
  extensions?: string;
}

export function callContext(input: CallInput): ServerCallContext {
  const requested = input.extensions ? Extensions.parseServiceParameter(input.extensions) : undefined;
  return new ServerCallContext({
    user: new PrincipalUser(input.principal),
    requestedVersion: input.version,
    ...(requested ? { requestedExtensions: requested } : {}),
    state: new Map<string, unknown>([
      [STATE_HEADERS_KEY, input.headers],
      [baseUrlKey, input.baseUrl],
    ]),
  });
}

/** The principal behind a call; every A2A call is authenticated before it reaches the SDK. */
export function principalOf(context: ServerCallContext): Principal {
  const user = context.user;
  if (!(user instanceof PrincipalUser)) throw a2aError('A2A_AUTH_REQUIRED');
  return user.principal;
}

export function baseUrlOf(context: ServerCallContext): string {
  const value = context.state.get(baseUrlKey);
  return typeof value === 'string' ? value : '';
}
