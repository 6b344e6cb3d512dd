import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { eq, sql } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { signedBytes } from '../shared/canonical.ts';
import { type Clock, once, verifyEd25519 } from '../shared/index.ts';
import { identityError } from './errors.ts';
import { intersectPolicies, widenings } from './policy.ts';
import type { Actor, IdentityRegistry } from './registry.ts';
import { type DelegationPayload, delegationPayloadSchema, delegationTag, type Policy } from './schemas.ts';
import { delegations } from './tables.ts';

export interface DelegationDeps {
  orm: BetterSQLite3Database;
  clock: Clock;
  registry: IdentityRegistry;
}

export interface DelegationView {
  id: string;
  payload: DelegationPayload;
  keyId: string;
  signature: string;
  revokedAt: string | null;
  effectivePolicy: Policy;
}

const maxChainLength = 8;

/** The bytes an issuer signs for a delegation, and its id (SHA-256 of them). */
export function delegationBytes(payload: DelegationPayload): Uint8Array {
  return signedBytes(delegationTag, payload);
}

export function delegationId(payload: DelegationPayload): string {
  return bytesToHex(sha256(delegationBytes(payload)));
}

/** Signed, attenuable, revocable delegations of authority from one identity to a machine. */
export class DelegationService {
  /** Prepared once: every request acting under a delegation walks its chain. */
  private readonly findById;

  constructor(private readonly deps: DelegationDeps) {
    this.findById = once(() =>
      deps.orm
        .select()
        .from(delegations)
        .where(eq(delegations.id, sql.placeholder('id')))
        .prepare(),
    );
  }

  /**
   * Accepts a delegation signed by its issuer. A root delegation (no parent) goes from an identity to
   * itself or from a controller to its machine; a re-delegation comes from its parent's audience and
   * may only keep or narrow the parent's limits and validity.
   */
  issue(input: { payload: DelegationPayload; keyId: string; signature: string }): DelegationView {
    const { registry, orm, clock } = this.deps;
    const payload = delegationPayloadSchema.parse(input.payload);
    const key = registry.keyForKeyId(input.keyId);
    if (!key || key.identityDid !== payload.iss) {
      throw identityError(
        'DELEGATION_INVALID',
        { keyId: input.keyId },
        'keyId must name a key of the issuer (iss).',
      );
    }
    if (!verifyEd25519(hexToBytes(input.signature), delegationBytes(payload), key.publicKey)) {
      throw identityError(
        'DELEGATION_INVALID',
        { reason: 'signature' },
        'The issuer signature does not verify.',
      );
    }
    registry.requireActive(payload.iss);
    const audience = registry.find(payload.aud);
    if (!audience) throw identityError('IDENTITY_NOT_FOUND', { did: payload.aud });
    if (audience.status === 'terminated')
      throw identityError('IDENTITY_NOT_ACTIVE', { did: payload.aud, status: 'terminated' });
    if (payload.aud !== payload.iss && audience.kind === 'human') {
      throw identityError(
        'DELEGATION_INVALID',
        { aud: payload.aud },
        'Delegations go to machine identities (or to oneself).',
      );
    }
    if (payload.exp <= payload.nbf)
      throw identityError('DELEGATION_INVALID', { reason: 'exp must be after nbf' });
    const parentId = payload.prf[0];
    if (parentId === undefined) {
      if (payload.aud !== payload.iss && audience.controllerDid !== payload.iss) {
        throw identityError(
          'DELEGATION_INVALID',
          { iss: payload.iss, aud: payload.aud },
          'Only the controller of a machine can delegate to it without a parent delegation.',
        );
      }
    } else {
      const parent = this.row(parentId);
      const parentPayload = JSON.parse(parent.payload) as DelegationPayload;
      if (parentPayload.aud !== payload.iss) {
        throw identityError(
          'DELEGATION_INVALID',
          { parent: parentId },
          'Only the audience of the parent delegation can re-delegate it.',
        );
      }
      const parentScope = this.effective(parentId, clock.now(), { checkTime: false });
      const wider = widenings(payload.policy, parentScope.policy);
      if (payload.nbf < parentScope.nbf)
        wider.push({ rule: 'nbf', parent: parentScope.nbf, child: payload.nbf });
      if (payload.exp > parentScope.exp)
        wider.push({ rule: 'exp', parent: parentScope.exp, child: payload.exp });
      if (wider.length > 0) throw identityError('DELEGATION_WIDENS', { widenings: wider });
    }
    const id = delegationId(payload);
    const existing = this.findById().get({ id });
    if (!existing) {
      orm
        .insert(delegations)
        .values({
          id,
          issuerDid: payload.iss,
          audienceDid: payload.aud,
          parentId: parentId ?? null,
          notBefore: new Date(payload.nbf * 1000),
          expiresAt: new Date(payload.exp * 1000),
          payload: JSON.stringify(payload),
          signature: input.signature,
          keyId: input.keyId,
          createdAt: new Date(clock.now()),
        })
        .run();
    }
    return this.get(id);
  }

  get(id: string): DelegationView {
    const row = this.row(id);
    return {
      id,
      payload: JSON.parse(row.payload) as DelegationPayload,
      keyId: row.keyId,
      signature: row.signature,
      revokedAt: row.revokedAt?.toISOString() ?? null,
      effectivePolicy: this.effective(id, this.deps.clock.now(), { checkTime: false, checkRevoked: false })
        .policy,
    };
  }

  /** Revocation takes effect at once, for this delegation and everything delegated under it. */
  revoke(id: string, actor: Actor): DelegationView {
    const row = this.row(id);
    if (!('admin' in actor) && actor.did !== row.issuerDid) {
      throw identityError(
        'NOT_PERMITTED',
        { id, actor: actor.did },
        'Only the issuer (or an admin) can revoke.',
      );
    }
    if (!row.revokedAt) {
      this.deps.orm
        .update(delegations)
        .set({
          revokedAt: new Date(this.deps.clock.now()),
          revokedBy: 'admin' in actor ? 'admin' : actor.did,
        })
        .where(eq(delegations.id, id))
        .run();
    }
    return this.get(id);
  }

  /**
   * The scope a delegation grants now: the intersection of every policy along its chain, provided no
   * link is revoked, out of its time bound, or issued by an identity that is no longer Active.
   */
  effective(
    id: string,
    now: number,
    options: { checkTime?: boolean; checkRevoked?: boolean } = {},
  ): { audience: string; policy: Policy; nbf: number; exp: number } {
    const { checkTime = true, checkRevoked = true } = options;
    let policy: Policy = {};
    let nbf = 0;
    let exp = Number.MAX_SAFE_INTEGER;
    let audience: string | undefined;
    let cursor: string | null = id;
    for (let depth = 0; cursor !== null; depth++) {
      if (depth >= maxChainLength)
        throw identityError('DELEGATION_INVALID', { id, reason: 'chain too long' });
      const row = this.row(cursor);
      const payload = JSON.parse(row.payload) as DelegationPayload;
      audience ??= payload.aud;
      if (checkRevoked && row.revokedAt)
        throw identityError('DELEGATION_UNUSABLE', { id: cursor, reason: 'revoked' });
      if (checkRevoked && this.deps.registry.find(payload.iss)?.status !== 'active') {
        throw identityError('DELEGATION_UNUSABLE', {
          id: cursor,
          reason: 'issuer not active',
          issuer: payload.iss,
        });
      }
      policy = intersectPolicies(policy, payload.policy);
      nbf = Math.max(nbf, payload.nbf);
      exp = Math.min(exp, payload.exp);
      cursor = row.parentId;
    }
    if (checkTime && now < nbf * 1000)
      throw identityError('DELEGATION_UNUSABLE', { id, reason: 'not yet valid', nbf });
    if (checkTime && now >= exp * 1000)
      throw identityError('DELEGATION_UNUSABLE', { id, reason: 'expired', exp });
    return { audience: audience ?? '', policy, nbf, exp };
  }

  private row(id: string) {
    const row = this.findById().get({ id });
    if (!row) throw identityError('DELEGATION_NOT_FOUND', { id });
    return row;
  }
}
