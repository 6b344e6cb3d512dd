import { and, asc, eq, inArray, like, or } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { z } from 'zod';
import type { IdentityRegistry } from '../identity/index.ts';
import { type Clock, parseUnits, type Rng, randomId } from '../shared/index.ts';
import { checkProviderEndpoint } from './endpoint-policy.ts';
import { routerError } from './errors.ts';
import { type ModelRow, modelView, type ProviderRow, providerView } from './registry-views.ts';
import type {
  ModelView,
  ProviderView,
  registerModelSchema,
  registerProviderSchema,
  TeeModelPolicy,
} from './schemas.ts';
import { models, providerModels, providers } from './tables.ts';

type ProviderListing = z.output<typeof registerProviderSchema>;

/** The provider columns a listing sets, on registration and on update. */
const listingColumns = (input: ProviderListing) => ({
  name: input.name,
  endpoint: input.endpoint,
  kind: input.kind,
  gpu: input.gpu,
  teePlatform: input.tee,
  capacity: input.capacity,
});

/** Minimum stake per model category, in whole TNZO (the defaults). */
export const minimumStakeTnzo = {
  LLM: '100000',
  ImageGen: '50000',
  Embedding: '25000',
  Speech: '25000',
  Custom: '10000',
} as const;

export interface ModelRegistryDeps {
  orm: BetterSQLite3Database;
  clock: Clock;
  rng: Rng;
  registry: IdentityRegistry;
  /** Lets providers register loopback/private endpoints (development and tests only). */
  allowPrivateEndpoints: boolean;
}

/**
 * How long a read of the registry may be reused on the request path. Writes through this registry
 * invalidate at once; the window only bounds how late another process's writes are seen.
 */
const cacheMs = 1000;

/** A provider as routing reads it on every request. */
export interface RoutableProvider {
  view: ProviderView;
  lastHeartbeatMs: number;
}

/** The model and provider registry: what is served, by whom, where, on what hardware. */
export class ModelRegistry {
  private providersCache: { at: number; views: ProviderView[]; routable: RoutableProvider[] } | undefined;
  private readonly modelCache = new Map<string, { at: number; view: ModelView }>();
  private modelsCache: { at: number; views: ModelView[] } | undefined;

  constructor(private readonly deps: ModelRegistryDeps) {}

  /** Forgets cached reads; every write calls it. */
  private invalidate() {
    this.providersCache = undefined;
    this.modelsCache = undefined;
    this.modelCache.clear();
  }

  registerModel(publisher: string, input: z.output<typeof registerModelSchema>): ModelView {
    const { orm, clock, registry } = this.deps;
    registry.requireActive(publisher);
    if (orm.select({ id: models.id }).from(models).where(eq(models.id, input.model_id)).get()) {
      throw routerError('MODEL_EXISTS', { model_id: input.model_id });
    }
    const row: ModelRow = {
      id: input.model_id,
      name: input.name,
      description: input.description,
      version: input.version,
      category: input.category,
      modality: input.modality,
      publisher,
      pricePerToken: input.price_per_token,
      minStake: input.min_stake ?? parseUnits(minimumStakeTnzo[input.category], 18).toString(),
      teeRequired: input.tee_required,
      supportedFormats: input.supported_formats,
      maxContextLength: input.max_context_length,
      parameters: input.parameters,
      sha256: input.sha256,
      teePolicy: input.tee_policy,
      createdAt: new Date(clock.now()),
    };
    orm.insert(models).values(row).run();
    this.invalidate();
    return modelView(row);
  }

  /** The publisher replaces a model's TEE policy (null: any valid evidence bound to the model counts). */
  setTeePolicy(publisher: string, id: string, policy: TeeModelPolicy | null): ModelView {
    const row = this.deps.orm.select().from(models).where(eq(models.id, id)).get();
    if (!row) throw routerError('MODEL_NOT_FOUND', { model_id: id });
    if (row.publisher !== publisher) throw routerError('NOT_MODEL_PUBLISHER', { model_id: id });
    this.deps.orm.update(models).set({ teePolicy: policy }).where(eq(models.id, id)).run();
    this.invalidate();
    return this.model(id);
  }

  /** Discovery: filters by category, modality, maximum price, minimum context, TEE and text. */
  listModels(filter: {
    category?: string;
    modality?: string;
    max_price?: string;
    min_context?: number;
    tee?: 'true' | 'false';
    q?: string;
  }): ModelView[] {
    // The unfiltered list is what GET /v1/models and MCP's change watch read on every call.
    const unfiltered = Object.values(filter).every((value) => value === undefined);
    const now = this.deps.clock.now();
    if (unfiltered && this.modelsCache && now - this.modelsCache.at < cacheMs) return this.modelsCache.views;
    const conditions = [
      filter.category ? eq(models.category, filter.category as ModelRow['category']) : undefined,
      filter.modality ? eq(models.modality, filter.modality as ModelRow['modality']) : undefined,
      filter.tee ? eq(models.teeRequired, filter.tee === 'true') : undefined,
      filter.q
        ? or(
            like(models.name, `%${filter.q}%`),
            like(models.description, `%${filter.q}%`),
            like(models.id, `%${filter.q}%`),
          )
        : undefined,
    ].filter((condition) => condition !== undefined);
    const rows = this.deps.orm
      .select()
      .from(models)
      .where(conditions.length > 0 ? and(...conditions) : undefined)
      .orderBy(asc(models.id))
      .all()
      .filter(
        (row) => filter.max_price === undefined || BigInt(row.pricePerToken) <= BigInt(filter.max_price),
      )
      .filter((row) => filter.min_context === undefined || row.maxContextLength >= filter.min_context)
      .map(modelView);
    if (unfiltered) this.modelsCache = { at: now, views: rows };
    return rows;
  }

  model(id: string): ModelView {
    const now = this.deps.clock.now();
    const cached = this.modelCache.get(id);
    if (cached && now - cached.at < cacheMs) return cached.view;
    const row = this.deps.orm.select().from(models).where(eq(models.id, id)).get();
    if (!row) throw routerError('MODEL_NOT_FOUND', { model_id: id });
    const view = modelView(row);
    if (this.modelCache.size >= 10_000) this.modelCache.clear();
    this.modelCache.set(id, { at: now, view });
    return view;
  }

  /** Registers a provider node for its identity; its endpoint must not point into our network. */
  async registerProvider(did: string, input: ProviderListing): Promise<ProviderView> {
    const { orm, clock, rng } = this.deps;
    await this.checkListing(did, input);
    const now = new Date(clock.now());
    const id = `prov_${randomId(rng, 12)}`;
    orm.transaction((tx) => {
      tx.insert(providers)
        .values({
          id,
          did,
          ...listingColumns(input),
          inFlight: 0,
          tokensPerSecond: 0,
          registeredAt: now,
          lastHeartbeatAt: now,
        })
        .run();
      tx.insert(providerModels)
        .values(input.models.map((modelId) => ({ providerId: id, modelId })))
        .run();
    });
    this.invalidate();
    return this.provider(id);
  }

  /**
   * Replaces a provider's listing (endpoint, models, hardware, capacity): a node that restarted on
   * another address keeps its id, stake and record instead of registering again. Counts as a
   * heartbeat. Only the provider's own identity may do it.
   */
  async updateProvider(id: string, did: string, input: ProviderListing): Promise<ProviderView> {
    if (this.providerRow(id).did !== did) throw routerError('NOT_PROVIDER_OWNER', { id });
    await this.checkListing(did, input);
    this.deps.orm.transaction((tx) => {
      tx.update(providers)
        .set({ ...listingColumns(input), lastHeartbeatAt: new Date(this.deps.clock.now()), drainingAt: null })
        .where(eq(providers.id, id))
        .run();
      tx.delete(providerModels).where(eq(providerModels.providerId, id)).run();
      tx.insert(providerModels)
        .values(input.models.map((modelId) => ({ providerId: id, modelId })))
        .run();
    });
    this.invalidate();
    return this.provider(id);
  }

  /** An active identity, an endpoint outside our network (unless allowed), and models that exist. */
  private async checkListing(did: string, input: ProviderListing) {
    this.deps.registry.requireActive(did);
    const refusal = await checkProviderEndpoint(input.endpoint, this.deps.allowPrivateEndpoints);
    if (refusal)
      throw routerError('PROVIDER_ENDPOINT_REFUSED', { endpoint: input.endpoint, reason: refusal });
    const known = this.deps.orm
      .select({ id: models.id })
      .from(models)
      .where(inArray(models.id, input.models))
      .all();
    const missing = input.models.filter((id) => !known.some((row) => row.id === id));
    if (missing.length > 0) throw routerError('MODEL_NOT_FOUND', { model_id: missing[0], missing });
  }

  heartbeat(id: string, did: string, load: { inFlight: number; tokensPerSecond: number }): ProviderView {
    const row = this.providerRow(id);
    if (row.did !== did) throw routerError('NOT_PROVIDER_OWNER', { id });
    this.deps.orm
      .update(providers)
      .set({
        inFlight: load.inFlight,
        tokensPerSecond: Math.round(load.tokensPerSecond),
        lastHeartbeatAt: new Date(this.deps.clock.now()),
        drainingAt: null,
      })
      .where(eq(providers.id, id))
      .run();
    const view = this.provider(id);
    this.replaceCached(view, Date.parse(view.lastHeartbeatAt));
    return view;
  }

  /**
   * Puts a heartbeat's fresh view of one provider into the cached list instead of dropping the list:
   * heartbeats are the registry's most frequent write, and with many providers a full reread per
   * heartbeat would cost more than the requests it serves. New arrays, so readers keep theirs intact.
   */
  private replaceCached(view: ProviderView, lastHeartbeatMs: number) {
    const cache = this.providersCache;
    const at = cache?.views.findIndex((cached) => cached.id === view.id) ?? -1;
    if (!cache || at < 0) {
      this.providersCache = undefined;
      return;
    }
    this.providersCache = {
      ...cache,
      views: cache.views.with(at, view),
      routable: cache.routable.with(at, { view, lastHeartbeatMs }),
    };
  }

  /**
   * The node is shutting down: routing sends it nothing new from now on (it finishes what it has),
   * until a heartbeat or a new listing says it is back. Only the provider's own identity may say so.
   */
  drain(id: string, did: string): ProviderView {
    if (this.providerRow(id).did !== did) throw routerError('NOT_PROVIDER_OWNER', { id });
    this.deps.orm
      .update(providers)
      .set({ drainingAt: new Date(this.deps.clock.now()) })
      .where(eq(providers.id, id))
      .run();
    const view = this.provider(id);
    this.replaceCached(view, Date.parse(view.lastHeartbeatAt));
    return view;
  }

  /** Admin: takes a provider out of every pool for good (Banned), recording why. */
  ban(id: string, reason: string): ProviderView {
    this.providerRow(id);
    this.deps.orm
      .update(providers)
      .set({ bannedAt: new Date(this.deps.clock.now()), banReason: reason })
      .where(eq(providers.id, id))
      .run();
    this.invalidate();
    return this.provider(id);
  }

  provider(id: string): ProviderView {
    const row = this.providerRow(id);
    return providerView(row, this.modelsOf(row.id));
  }

  /** Every provider, read at most once a second (the routing hot path calls this per request). */
  listProviders(): ProviderView[] {
    return this.providersNow().views;
  }

  /** `listProviders` with what routing reads of each as numbers, so no request parses a date again. */
  routableProviders(): readonly RoutableProvider[] {
    return this.providersNow().routable;
  }

  private providersNow() {
    const now = this.deps.clock.now();
    if (this.providersCache && now - this.providersCache.at < cacheMs) return this.providersCache;
    const served = new Map<string, string[]>();
    for (const { providerId, modelId } of this.deps.orm
      .select()
      .from(providerModels)
      .orderBy(asc(providerModels.providerId), asc(providerModels.modelId))
      .all()) {
      const list = served.get(providerId);
      if (list) list.push(modelId);
      else served.set(providerId, [modelId]);
    }
    const rows = this.deps.orm.select().from(providers).orderBy(asc(providers.id)).all();
    const views = rows.map((row) => providerView(row, served.get(row.id) ?? []));
    const routable = rows.map((row, i) => ({
      view: views[i] as ProviderView,
      lastHeartbeatMs: row.lastHeartbeatAt.getTime(),
    }));
    this.providersCache = { at: now, views, routable };
    return this.providersCache;
  }

  private providerRow(id: string): ProviderRow {
    const row = this.deps.orm.select().from(providers).where(eq(providers.id, id)).get();
    if (!row) throw routerError('PROVIDER_NOT_FOUND', { id });
    return row;
  }

  private modelsOf(providerId: string): string[] {
    return this.deps.orm
      .select({ modelId: providerModels.modelId })
      .from(providerModels)
      .where(eq(providerModels.providerId, providerId))
      .orderBy(asc(providerModels.modelId))
      .all()
      .map((entry) => entry.modelId);
  }
}
