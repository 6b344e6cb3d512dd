import { hexToBytes } from '@noble/hashes/utils.js';
import type { IdentityRegistry } from '../identity/index.ts';
import { publicKeyFromDidKey } from '../identity/index.ts';
import { type Clock, type Rng, randomId } from '../shared/index.ts';
import {
  type AppraisalStore,
  expectedBinding,
  type StoredAppraisal,
  type TeePlatform,
  verifyEvidence,
} from '../tee/index.ts';
import { routerError } from './errors.ts';
import type { ModelRegistry } from './registry.ts';
import type { StakeService } from './stake.ts';

export interface AttestationDeps {
  clock: Clock;
  rng: Rng;
  registry: ModelRegistry;
  identities: IdentityRegistry;
  stake: StakeService;
  appraisals: AppraisalStore;
  /** PEM roots per platform replacing the pinned ones (private deployments and tests only). */
  roots?: Partial<Record<TeePlatform, readonly string[]>>;
}

/** How long a challenge nonce may wait for its evidence. */
const challengeMs = 10 * 60 * 1000;

interface Capability {
  platform: TeePlatform;
  appraisalId: string;
  expiresAt: number;
}

/**
 * Which providers may serve which models in a TEE, from evidence, not from what they claim: the
 * gateway issues a nonce, the provider's evidence must carry SHA-256(tag ‖ its DID key ‖ the model's
 * sha256 ‖ nonce) in its report data, and a valid appraisal makes it TEE-capable for that model until
 * the appraisal expires. Invalid evidence slashes 10% of the stake and removes every capability.
 * Capabilities live in memory (providers re-attest after a restart); every appraisal is stored.
 */
export class ProviderAttestations {
  private readonly challenges = new Map<string, { nonce: string; issuedAt: number }>();
  private readonly capabilities = new Map<string, Map<string, Capability>>();

  constructor(private readonly deps: AttestationDeps) {}

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
    this.challenges.delete(providerId);
    const model = this.deps.registry.model(input.model);
    const binding = expectedBinding({
      providerKey: this.providerKey(did),
      modelSha256: hexToBytes(model.sha256),
      nonce: hexToBytes(challenge.nonce),
    });
    const roots = this.deps.roots?.[input.platform];
    const appraisal = verifyEvidence(
      input.platform,
      { evidence: input.evidence, ...(input.certificates ? { certificates: input.certificates } : {}) },
      {
        clock: this.deps.clock,
        expected: { reportData: binding, issuedAt: challenge.issuedAt },
        ...(roots ? { roots } : {}),
      },
    );
    const stored = this.deps.appraisals.record({ appraisal, evidence: input.evidence, providerId });
    if (stored.valid && stored.expiresAt) {
      const models = this.capabilities.get(providerId) ?? new Map<string, Capability>();
      models.set(input.model, {
        platform: input.platform,
        appraisalId: stored.id,
        expiresAt: Date.parse(stored.expiresAt),
      });
      this.capabilities.set(providerId, models);
    } else {
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
