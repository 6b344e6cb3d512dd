import { hexToBytes } from '@noble/hashes/utils.js';
import { and, eq, gt } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { IdentityRegistry } from '../identity/index.ts';
import { publicKeyFromDidKey } from '../identity/index.ts';
import { type Clock, type Rng, randomId } from '../shared/index.ts';
import {
  type Appraisal,
  expectedBinding,
  referenceMismatches,
  type StoredAppraisal,
  type TeePlatform,
  type TeeServices,
  verifyEvidence,
} from '../tee/index.ts';
import { routerError } from './errors.ts';
import type { ModelRegistry } from './registry.ts';
import type { TeeModelPolicy } from './schemas.ts';
import type { StakeService } from './stake.ts';
import { teeCapabilities } from './tables.ts';

export interface AttestationDeps {
  orm: BetterSQLite3Database;
  clock: Clock;
  rng: Rng;
  registry: ModelRegistry;
  identities: IdentityRegistry;
  stake: StakeService;
  tee: TeeServices;
}

/** How long a challenge nonce may wait for its evidence. */
const challengeMs = 10 * 60 * 1000;

export interface Capability {
  platform: TeePlatform;
  appraisalId: string;
  expiresAt: number;
}

/**
 * Which providers may serve which models in a TEE, from evidence, not from what they claim: the
 * gateway issues a nonce, the provider's evidence must carry SHA-256(tag ‖ its DID key ‖ the model's
 * sha256 ‖ nonce) in its report data, its claims must satisfy the model's TEE policy, and a valid
 * appraisal makes it TEE-capable for that model until the appraisal expires. Invalid evidence
 * slashes 10% of the stake and removes every capability. Capabilities are kept in the database (and
 * read into memory at start), so they survive restarts; every appraisal is stored for audit.
 */
export class ProviderAttestations {
  private readonly challenges = new Map<string, { nonce: string; issuedAt: number }>();
  private loaded: Map<string, Map<string, Capability>> | undefined;

  constructor(private readonly deps: AttestationDeps) {}

  /** Provider → model → capability, read from the database on first use (after migrations ran). */
  private get capabilities(): Map<string, Map<string, Capability>> {
    if (this.loaded) return this.loaded;
    this.loaded = new Map();
    const rows = this.deps.orm
      .select()
      .from(teeCapabilities)
      .where(gt(teeCapabilities.expiresAt, new Date(this.deps.clock.now())))
      .all();
    for (const row of rows)
      this.remember(row.providerId, row.modelId, {
        platform: row.platform as TeePlatform,
        appraisalId: row.appraisalId,
        expiresAt: row.expiresAt.getTime(),
      });
    return this.loaded;
  }

  challenge(providerId: string, did: string): { nonce: string; expiresAt: string } {
    this.owned(providerId, did);
    const issuedAt = this.deps.clock.now();
    const nonce = randomId(this.deps.rng, 32);
    this.challenges.set(providerId, { nonce, issuedAt });
    return { nonce, expiresAt: new Date(issuedAt + challengeMs).toISOString() };
  }

  submit(
    providerId: string,
    did: string,
    input: { model: string; platform: TeePlatform; evidence: Uint8Array; certificates?: string },
  ): StoredAppraisal {
    const provider = this.owned(providerId, did);
    if (!provider.models.includes(input.model))
      throw routerError('MODEL_NOT_FOUND', { model_id: input.model, provider: providerId });
    const challenge = this.challenges.get(providerId);
    const now = this.deps.clock.now();
    if (!challenge || now - challenge.issuedAt > challengeMs)
      throw routerError('ATTESTATION_CHALLENGE_MISSING', { providerId });
    const model = this.deps.registry.model(input.model);
    const { config } = this.deps.tee;
    const roots = config.roots?.[input.platform];
    const reference = model.tee_policy?.[input.platform];
    // Throws for a platform this gateway refuses (sim without PARLEY_TEE_SIM): a config matter, no slash.
    const appraisal = verifyEvidence(
      input.platform,
      { evidence: input.evidence, ...(input.certificates ? { certificates: input.certificates } : {}) },
      {
        clock: this.deps.clock,
        expected: {
          reportData: expectedBinding({
            providerKey: this.providerKey(did),
            modelSha256: hexToBytes(model.sha256),
            nonce: hexToBytes(challenge.nonce),
          }),
          issuedAt: challenge.issuedAt,
        },
        maxAgeMs: config.maxAgeMs,
        allowSim: config.allowSim,
        ...(reference ? { reference } : {}),
        ...(roots ? { roots } : {}),
      },
    );
    this.challenges.delete(providerId);
    const stored = this.deps.tee.appraisals.record({
      appraisal: withPlatformPolicy(appraisal, model.model_id, model.tee_policy),
      evidence: input.evidence,
      providerId,
      modelId: input.model,
    });
    if (stored.valid && stored.expiresAt) {
      const capability = {
        platform: input.platform,
        appraisalId: stored.id,
        expiresAt: Date.parse(stored.expiresAt),
      };
      const row = { ...capability, expiresAt: new Date(capability.expiresAt) };
      this.deps.orm
        .insert(teeCapabilities)
        .values({ providerId, modelId: input.model, ...row })
        .onConflictDoUpdate({ target: [teeCapabilities.providerId, teeCapabilities.modelId], set: row })
        .run();
      this.remember(providerId, input.model, capability);
    } else {
      this.deps.orm.delete(teeCapabilities).where(eq(teeCapabilities.providerId, providerId)).run();
      this.capabilities.delete(providerId);
      this.deps.stake.slash(providerId, 'invalid_tee', {
        appraisalId: stored.id,
        platform: input.platform,
        model: input.model,
        failed: stored.failed,
      });
    }
    return stored;
  }

  /** The platform and appraisal under which `providerId` may serve `modelId` now, if any. */
  capability(providerId: string, modelId: string): Capability | undefined {
    const capability = this.capabilities.get(providerId)?.get(modelId);
    if (!capability) return undefined;
    if (capability.expiresAt <= this.deps.clock.now()) {
      this.capabilities.get(providerId)?.delete(modelId);
      return undefined;
    }
    return capability;
  }

  /**
   * After a model's TEE policy changed: capabilities whose appraised claims the new policy no longer
   * allows end now (no slash: the provider's evidence did not change, the rules did).
   */
  revalidate(modelId: string): void {
    const policy = this.deps.registry.model(modelId).tee_policy;
    for (const [providerId, models] of this.capabilities) {
      const capability = models.get(modelId);
      if (!capability) continue;
      const claims = this.deps.tee.appraisals.get(capability.appraisalId)?.claims ?? {};
      const reference = policy?.[capability.platform];
      const allowed =
        policy === null || (reference !== undefined && referenceMismatches(claims, reference).length === 0);
      if (allowed) continue;
      models.delete(modelId);
      this.deps.orm
        .delete(teeCapabilities)
        .where(and(eq(teeCapabilities.providerId, providerId), eq(teeCapabilities.modelId, modelId)))
        .run();
    }
  }

  private remember(providerId: string, modelId: string, capability: Capability) {
    const models = this.capabilities.get(providerId) ?? new Map<string, Capability>();
    models.set(modelId, capability);
    this.capabilities.set(providerId, models);
  }

  private owned(providerId: string, did: string) {
    const provider = this.deps.registry.provider(providerId);
    if (provider.did !== did) throw routerError('NOT_PROVIDER_OWNER', { id: providerId });
    return provider;
  }

  private providerKey(did: string): Uint8Array {
    const key = this.deps.identities.get(did).keys[0];
    if (!key) throw routerError('NOT_PROVIDER_OWNER', { did, reason: 'the identity has no key' });
    return publicKeyFromDidKey(key.didKey);
  }
}

/**
 * A model with a TEE policy accepts only the platforms it lists: evidence from another platform fails
 * a `model-policy` check (the listed claims themselves are compared by the verifier's
 * `reference-values` check).
 */
function withPlatformPolicy(appraisal: Appraisal, modelId: string, policy: TeeModelPolicy | null): Appraisal {
  if (policy === null) return appraisal;
  const listed = Object.keys(policy);
  if (listed.includes(appraisal.platform))
    return { ...appraisal, checks: [...appraisal.checks, { name: 'model-policy', ok: true }] };
  const detail = `model ${modelId} accepts TEE evidence only from ${listed.join(', ') || 'no platform'}`;
  return {
    ...appraisal,
    valid: false,
    checks: [...appraisal.checks, { name: 'model-policy', ok: false, detail }],
    failed: [...appraisal.failed, 'model-policy'],
    expiresAt: null,
  };
}
