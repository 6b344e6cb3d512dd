import { timingSafeEqual } from 'node:crypto';
import { lt, sql } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { type Clock, once } from '../shared/index.ts';
import { type ApiKeyService, apiKeyPrefix } from './api-keys.ts';
import type { DelegationService } from './delegations.ts';
import { identityError } from './errors.ts';
import { type RequestParts, SignatureError, verifyRequestSignature } from './http-signatures.ts';
import type { IdentityRegistry } from './registry.ts';
import type { IdentityKind, IdentityStatus } from './schemas.ts';
import type { Scope } from './scope.ts';
import { requestNonces } from './tables.ts';

/** Who is calling, how they proved it, and what they may do. */
export type Principal =
  | { admin: true; via: 'admin-token' }
  | {
      admin?: false;
      did: string;
      kind: IdentityKind;
      status: IdentityStatus;
      via: 'api-key' | 'signature';
      scope: Scope;
    };

export interface AuthenticatorDeps {
  orm: BetterSQLite3Database;
  clock: Clock;
  registry: IdentityRegistry;
  delegations: DelegationService;
  apiKeys: ApiKeyService;
  adminToken: string;
  /** How old a signed request may be; its nonce is remembered this long. */
  signatureMaxAgeSeconds?: number;
}

const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Resolves a request to a principal: `Authorization: Bearer <admin token | parley_ API key>` or an
 * RFC 9421 signature by a registered key, with `Parley-Delegation: <id>` naming the delegation it
 * acts under. Returns undefined for anonymous requests; throws 401 errors for bad credentials.
 */
export class Authenticator {
  private readonly maxAge: number;
  private lastPrune = 0;

  /** Prepared once: every signed request records its nonce. */
  private readonly insertNonce;

  constructor(private readonly deps: AuthenticatorDeps) {
    this.maxAge = deps.signatureMaxAgeSeconds ?? 300;
    this.insertNonce = once(() =>
      deps.orm
        .insert(requestNonces)
        .values({
          keyId: sql.placeholder('keyId'),
          nonce: sql.placeholder('nonce'),
          expiresAt: sql.placeholder('expiresAt'),
        })
        .onConflictDoNothing()
        .prepare(),
    );
  }

  authenticate(request: RequestParts): Principal | undefined {
    const headers = request.headers instanceof Headers ? request.headers : new Headers(request.headers);
    const authorization = headers.get('authorization');
    if (authorization) {
      const token = /^Bearer\s+(.+)$/i.exec(authorization)?.[1]?.trim();
      if (!token) throw identityError('API_KEY_INVALID', {}, 'Authorization must be "Bearer <token>".');
      if (sameSecret(token, this.deps.adminToken)) return { admin: true, via: 'admin-token' };
      if (!token.startsWith(apiKeyPrefix)) throw identityError('API_KEY_INVALID');
      const key = this.deps.apiKeys.authenticate(token);
      if (!key) throw identityError('API_KEY_INVALID');
      return this.principal(key.did, 'api-key', key.delegationId ?? undefined);
    }
    if (headers.has('signature') || headers.has('signature-input')) {
      const verified = this.verifySignature(request);
      const delegation = headers.get('parley-delegation') ?? undefined;
      return this.principal(verified.identityDid, 'signature', delegation);
    }
    return undefined;
  }

  private verifySignature(request: RequestParts): { identityDid: string } {
    const now = this.deps.clock.now();
    let identityDid: string | undefined;
    let verified: ReturnType<typeof verifyRequestSignature>;
    try {
      verified = verifyRequestSignature(request, {
        now: Math.floor(now / 1000),
        maxAgeSeconds: this.maxAge,
        resolveKey: (keyId) => {
          const key = this.deps.registry.keyForKeyId(keyId);
          identityDid = key?.identityDid;
          return key?.publicKey;
        },
      });
    } catch (error) {
      if (error instanceof SignatureError) throw identityError(error.code, {}, error.message);
      throw error;
    }
    if (!identityDid) throw identityError('SIGNATURE_UNKNOWN_KEY');
    this.rememberNonce(verified.keyId, verified.nonce, (verified.created + this.maxAge) * 1000, now);
    return { identityDid };
  }

  /** Each nonce is accepted once per key while its signature could still be fresh. */
  private rememberNonce(keyId: string, nonce: string, expiresAt: number, now: number) {
    const { orm } = this.deps;
    if (now - this.lastPrune > 60_000) {
      orm
        .delete(requestNonces)
        .where(lt(requestNonces.expiresAt, new Date(now)))
        .run();
      this.lastPrune = now;
    }
    const inserted = this.insertNonce().run({ keyId, nonce, expiresAt: new Date(expiresAt) });
    if (inserted.changes === 0) throw identityError('SIGNATURE_REPLAYED', { keyId, nonce });
  }

  private principal(did: string, via: 'api-key' | 'signature', delegationId?: string): Principal {
    const identity = this.deps.registry.find(did);
    if (!identity) throw identityError('IDENTITY_NOT_FOUND', { did });
    return {
      did,
      kind: identity.kind,
      status: identity.status,
      via,
      scope: this.scopeOf(did, identity.controllerDid, delegationId),
    };
  }

  /**
   * A named delegation bounds the caller by its chain; without one, a machine with a controller may do
   * nothing its controller has not delegated, and any other identity is bounded only by its status.
   */
  private scopeOf(did: string, controllerDid: string | null, delegationId?: string): Scope {
    if (delegationId !== undefined) {
      const effective = this.deps.delegations.effective(delegationId, this.deps.clock.now());
      if (effective.audience !== did) {
        throw identityError(
          'DELEGATION_INVALID',
          { delegationId },
          'This delegation was issued to another identity.',
        );
      }
      return { did, policy: effective.policy, delegationId };
    }
    return { did, policy: controllerDid ? { allowed_operations: [] } : {} };
  }
}
