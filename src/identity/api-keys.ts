import { createHash } from 'node:crypto';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { type Clock, once, type Rng, randomId } from '../shared/index.ts';
import type { DelegationService } from './delegations.ts';
import { identityError } from './errors.ts';
import type { Actor, IdentityRegistry } from './registry.ts';
import { apiKeys } from './tables.ts';

export interface ApiKeyDeps {
  orm: BetterSQLite3Database;
  clock: Clock;
  rng: Rng;
  registry: IdentityRegistry;
  delegations: DelegationService;
}

export interface ApiKeyView {
  id: string;
  did: string;
  name: string;
  delegationId: string | null;
  createdAt: string;
  revokedAt: string | null;
}

export const apiKeyPrefix = 'parley_';
const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

const view = (row: typeof apiKeys.$inferSelect): ApiKeyView => ({
  id: row.id,
  did: row.identityDid,
  name: row.name,
  delegationId: row.delegationId,
  createdAt: row.createdAt.toISOString(),
  revokedAt: row.revokedAt?.toISOString() ?? null,
});

/** API keys for OpenAI and MCP clients: random secrets, stored only as hashes, revocable. */
export class ApiKeyService {
  /** Prepared once: runs on every request that carries an API key. */
  private readonly findLiveByHash;

  constructor(private readonly deps: ApiKeyDeps) {
    this.findLiveByHash = once(() =>
      deps.orm
        .select()
        .from(apiKeys)
        .where(and(eq(apiKeys.secretHash, sql.placeholder('hash')), isNull(apiKeys.revokedAt)))
        .prepare(),
    );
  }

  create(input: { did: string; name: string; delegationId?: string }): ApiKeyView & { secret: string } {
    const { orm, clock, rng, registry, delegations } = this.deps;
    registry.requireActive(input.did);
    if (input.delegationId !== undefined) {
      const { audience } = delegations.effective(input.delegationId, clock.now());
      if (audience !== input.did) {
        throw identityError(
          'DELEGATION_INVALID',
          { delegationId: input.delegationId },
          'The delegation is for another identity.',
        );
      }
    }
    const secret = `${apiKeyPrefix}${Buffer.from(rng.bytes(32)).toString('base64url')}`;
    const row = {
      id: `key_${randomId(rng, 12)}`,
      identityDid: input.did,
      delegationId: input.delegationId ?? null,
      name: input.name,
      secretHash: hashSecret(secret),
      createdAt: new Date(clock.now()),
      revokedAt: null,
    };
    orm.insert(apiKeys).values(row).run();
    return { ...view(row), secret };
  }

  /** The key a bearer secret belongs to, if it exists and is not revoked. */
  authenticate(secret: string): ApiKeyView | undefined {
    const row = this.findLiveByHash().get({ hash: hashSecret(secret) });
    return row ? view(row) : undefined;
  }

  list(did: string): ApiKeyView[] {
    return this.deps.orm
      .select()
      .from(apiKeys)
      .where(eq(apiKeys.identityDid, did))
      .orderBy(desc(apiKeys.createdAt))
      .all()
      .map(view);
  }

  revoke(id: string, actor: Actor): ApiKeyView {
    const row = this.deps.orm.select().from(apiKeys).where(eq(apiKeys.id, id)).get();
    if (!row) throw identityError('API_KEY_INVALID', { id }, 'No API key with this id.');
    if (!('admin' in actor) && actor.did !== row.identityDid) throw identityError('NOT_PERMITTED', { id });
    if (!row.revokedAt) {
      this.deps.orm
        .update(apiKeys)
        .set({ revokedAt: new Date(this.deps.clock.now()) })
        .where(eq(apiKeys.id, id))
        .run();
    }
    return view({ ...row, revokedAt: row.revokedAt ?? new Date(this.deps.clock.now()) });
  }
}
