import { hexToBytes } from '@noble/hashes/utils.js';
import { and, asc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { signedBytes } from '../shared/canonical.ts';
import { type Clock, once, type Rng, randomId, verifyEd25519 } from '../shared/index.ts';
import { didDocument } from './did-document.ts';
import { type DidDocument, publicKeyFromDidKey, resolveDidKey } from './did-key.ts';
import { identityError } from './errors.ts';
import { isParleyDid, newParleyDid, splitDidUrl, uuidFromBytes } from './ids.ts';
import type { IdentityStatus, IdentityView, RegistrationPayload } from './schemas.ts';
import { registrationTag } from './schemas.ts';
import { identities, identityKeys, identityTransitions, registrationChallenges } from './tables.ts';

export interface RegistryDeps {
  orm: BetterSQLite3Database;
  clock: Clock;
  rng: Rng;
}

/** Who asks for a change: an identity, or the gateway's administrator. */
export type Actor = { did: string } | { admin: true };
const actorName = (actor: Actor) => ('admin' in actor ? 'admin' : actor.did);

const challengeTtlMs = 10 * 60 * 1000;

/** Allowed lifecycle moves; Terminated has none (absorbing). */
const transitions: Record<IdentityStatus, readonly IdentityStatus[]> = {
  created: ['active', 'terminated'],
  active: ['suspended', 'terminated'],
  suspended: ['active', 'terminated'],
  terminated: [],
};

export function canTransition(from: IdentityStatus, to: IdentityStatus): boolean {
  return transitions[from].includes(to);
}

export interface RegistrationInput extends RegistrationPayload {
  proofs: Array<{ key: string; signature: string }>;
  controllerProof?: { keyId: string; signature: string };
  activate: boolean;
}

/** The identity registry: registration with proof of possession, lookup, lifecycle, resolution. */
export class IdentityRegistry {
  /** Prepared once: identity lookups run on every authenticated request. */
  private readonly findByDid;

  constructor(private readonly deps: RegistryDeps) {
    this.findByDid = once(() =>
      deps.orm
        .select()
        .from(identities)
        .where(eq(identities.did, sql.placeholder('did')))
        .prepare(),
    );
  }

  createChallenge(): { challenge: string; expiresAt: number } {
    const challenge = randomId(this.deps.rng, 24);
    const expiresAt = this.deps.clock.now() + challengeTtlMs;
    this.deps.orm
      .insert(registrationChallenges)
      .values({ challenge, expiresAt: new Date(expiresAt) })
      .run();
    return { challenge, expiresAt };
  }

  register(input: RegistrationInput): IdentityView {
    const { orm, clock } = this.deps;
    const payload: RegistrationPayload = {
      challenge: input.challenge,
      kind: input.kind,
      keys: input.keys,
      ...(input.controller ? { controller: input.controller } : {}),
      capabilities: input.capabilities,
      services: input.services,
    };
    const message = signedBytes(registrationTag, payload);
    const keys = [...new Set(input.keys)];
    for (const key of keys) {
      const proof = input.proofs.find((candidate) => candidate.key === key);
      if (!proof || !verifyEd25519(hexToBytes(proof.signature), message, this.publicKeyOf(key))) {
        throw identityError(
          'PROOF_INVALID',
          { key },
          `No valid signature from ${key} over the registration.`,
        );
      }
    }
    if (input.kind === 'machine' && input.controller)
      this.checkController(input.controller, input.controllerProof, message);
    if (input.kind !== 'machine' && input.controller) {
      throw identityError(
        'CONTROLLER_INVALID',
        { kind: input.kind },
        'Only machine identities have a controller.',
      );
    }
    const now = clock.now();
    const did = newParleyDid(input.kind, uuidFromBytes(this.deps.rng.bytes(16)), input.controller);
    orm.transaction((tx) => {
      const used = tx
        .update(registrationChallenges)
        .set({ usedAt: new Date(now) })
        .where(
          and(
            eq(registrationChallenges.challenge, input.challenge),
            isNull(registrationChallenges.usedAt),
            gt(registrationChallenges.expiresAt, new Date(now)),
          ),
        )
        .returning()
        .get();
      if (!used) {
        throw identityError('CHALLENGE_INVALID', { challenge: input.challenge });
      }
      const taken = tx.select().from(identityKeys).where(inArray(identityKeys.didKey, keys)).get();
      // The owner is public (its DID document lists the key); naming it lets a holder of the key that
      // lost its own record find its identity again.
      if (taken) throw identityError('KEY_ALREADY_BOUND', { key: taken.didKey, did: taken.identityDid });
      tx.insert(identities)
        .values({
          did,
          kind: input.kind,
          controllerDid: input.controller ?? null,
          status: 'created',
          capabilities: [...new Set(input.capabilities)],
          services: input.services,
          createdAt: new Date(now),
          updatedAt: new Date(now),
        })
        .run();
      tx.insert(identityKeys)
        .values(
          keys.map((didKey, i) => ({
            identityDid: did,
            fragment: `key-${i + 1}`,
            didKey,
            addedAt: new Date(now),
          })),
        )
        .run();
      const transition = (fromStatus: IdentityStatus | null, toStatus: IdentityStatus, reason: string) =>
        tx
          .insert(identityTransitions)
          .values({ identityDid: did, fromStatus, toStatus, actor: did, reason, at: new Date(now) })
          .run();
      transition(null, 'created', 'registered');
      if (input.activate) {
        tx.update(identities).set({ status: 'active' }).where(eq(identities.did, did)).run();
        transition('created', 'active', 'activated at registration');
      }
    });
    return this.get(did);
  }

  private checkController(
    controllerDid: string,
    proof: RegistrationInput['controllerProof'],
    message: Uint8Array,
  ) {
    const controller = this.find(controllerDid);
    if (!controller)
      throw identityError(
        'CONTROLLER_INVALID',
        { controller: controllerDid },
        'The controller is not registered.',
      );
    if (controller.status !== 'active') throw identityError('IDENTITY_NOT_ACTIVE', { did: controllerDid });
    const key = proof ? this.keyForKeyId(proof.keyId) : undefined;
    if (
      !proof ||
      !key ||
      key.identityDid !== controllerDid ||
      !verifyEd25519(hexToBytes(proof.signature), message, key.publicKey)
    ) {
      throw identityError(
        'PROOF_INVALID',
        { controller: controllerDid },
        'The controller must sign the registration.',
      );
    }
  }

  private publicKeyOf(didKey: string): Uint8Array {
    try {
      return publicKeyFromDidKey(didKey);
    } catch {
      throw identityError('DID_INVALID', { did: didKey });
    }
  }

  find(did: string) {
    return this.findByDid().get({ did });
  }

  get(did: string): IdentityView {
    const { orm } = this.deps;
    const row = this.find(did);
    if (!row) throw identityError('IDENTITY_NOT_FOUND', { did });
    const keys = orm
      .select()
      .from(identityKeys)
      .where(eq(identityKeys.identityDid, did))
      .orderBy(asc(identityKeys.fragment))
      .all();
    const history = orm
      .select()
      .from(identityTransitions)
      .where(eq(identityTransitions.identityDid, did))
      .orderBy(asc(identityTransitions.id))
      .all();
    return {
      did,
      kind: row.kind,
      ...(row.controllerDid ? { controller: row.controllerDid } : {}),
      status: row.status,
      keys: keys.map((key) => ({ id: `${did}#${key.fragment}`, didKey: key.didKey })),
      capabilities: row.capabilities,
      services: row.services,
      createdAt: row.createdAt.toISOString(),
      transitions: history.map((step) => ({
        from: step.fromStatus as IdentityStatus | null,
        to: step.toStatus as IdentityStatus,
        actor: step.actor,
        reason: step.reason,
        at: step.at.toISOString(),
      })),
    };
  }

  /** The public key behind a DID URL: `did:parley:…#key-n` or a bound `did:key:z…#z…`. */
  keyForKeyId(keyId: string): { identityDid: string; publicKey: Uint8Array } | undefined {
    // A bound key never changes owner, so lookups are cached (bounded) for the per-request path.
    const cached = this.keyCache.get(keyId);
    if (cached) return cached;
    const found = this.lookupKey(keyId);
    if (found) {
      if (this.keyCache.size >= 10_000) this.keyCache.clear();
      this.keyCache.set(keyId, found);
    }
    return found;
  }

  private readonly keyCache = new Map<string, { identityDid: string; publicKey: Uint8Array }>();

  private lookupKey(keyId: string): { identityDid: string; publicKey: Uint8Array } | undefined {
    const { did, fragment } = splitDidUrl(keyId);
    const row = did.startsWith('did:key:')
      ? this.deps.orm.select().from(identityKeys).where(eq(identityKeys.didKey, did)).get()
      : fragment
        ? this.deps.orm
            .select()
            .from(identityKeys)
            .where(and(eq(identityKeys.identityDid, did), eq(identityKeys.fragment, fragment)))
            .get()
        : undefined;
    if (!row) return undefined;
    try {
      return { identityDid: row.identityDid, publicKey: publicKeyFromDidKey(row.didKey) };
    } catch {
      return undefined;
    }
  }

  requireActive(did: string): void {
    const row = this.find(did);
    if (!row) throw identityError('IDENTITY_NOT_FOUND', { did });
    if (row.status !== 'active') throw identityError('IDENTITY_NOT_ACTIVE', { did, status: row.status });
  }

  /**
   * Moves an identity along its lifecycle. The identity itself, its controller or an admin may
   * suspend or terminate it; only its controller or an admin may resume a controlled machine.
   * Terminating a controller suspends every machine it controls.
   */
  changeStatus(did: string, to: IdentityStatus, actor: Actor, reason?: string): IdentityView {
    const row = this.find(did);
    if (!row) throw identityError('IDENTITY_NOT_FOUND', { did });
    const isAdmin = 'admin' in actor;
    const isController = !isAdmin && row.controllerDid === actor.did;
    const isSelf = !isAdmin && actor.did === did;
    const resumingControlled = to === 'active' && row.controllerDid !== null && row.status === 'suspended';
    if (!(isAdmin || isController || (isSelf && !resumingControlled))) {
      throw identityError('NOT_PERMITTED', { did, actor: actorName(actor), to });
    }
    if (!canTransition(row.status, to)) {
      throw identityError(
        'TRANSITION_INVALID',
        { did, from: row.status, to },
        `Cannot go from ${row.status} to ${to}.`,
      );
    }
    const at = new Date(this.deps.clock.now());
    this.deps.orm.transaction((tx) => {
      const move = (
        target: string,
        from: IdentityStatus,
        next: IdentityStatus,
        by: string,
        why: string | null,
      ) => {
        tx.update(identities).set({ status: next, updatedAt: at }).where(eq(identities.did, target)).run();
        tx.insert(identityTransitions)
          .values({ identityDid: target, fromStatus: from, toStatus: next, actor: by, reason: why, at })
          .run();
      };
      move(did, row.status, to, actorName(actor), reason ?? null);
      if (to === 'terminated') {
        const machines = tx.select().from(identities).where(eq(identities.controllerDid, did)).all();
        for (const machine of machines) {
          if (machine.status === 'active' || machine.status === 'created') {
            move(machine.did, machine.status, 'suspended', did, 'controller terminated');
          }
        }
      }
    });
    return this.get(did);
  }

  /** W3C DID document for a did:parley (keys, controller, services, Parley status) or a did:key. */
  resolve(did: string): DidDocument {
    if (did.startsWith('did:key:')) {
      try {
        return resolveDidKey(did);
      } catch {
        throw identityError('DID_INVALID', { did });
      }
    }
    if (!isParleyDid(did)) throw identityError('DID_INVALID', { did });
    return didDocument(this.get(did));
  }
}
