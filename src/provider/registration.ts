import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { type GatewayClient, GatewayError } from './gateway-client.ts';

/** What a provider tells the gateway about itself and the model it serves. */
export interface ProviderListing {
  name: string;
  /** Where the gateway reaches this node's OpenAI-compatible API. */
  endpoint: string;
  capacity: number;
  gpu: { name: string; vramGb: number } | null;
  /** The TEE platform this node attests with (a claim: routing follows the gateway's appraisal). */
  tee?: string | null;
  model: {
    id: string;
    name: string;
    sha256: string;
    parameters: number;
    contextLength: number;
    /** Atomic TNZO per token, when this node publishes the model. */
    pricePerToken: bigint;
    /** Minimum stake when this node publishes the model; the category's by default. */
    minStake?: bigint;
  };
  /** Stake to keep bonded, atomic TNZO (bonded from the node's own balance). */
  stake: bigint;
  /** Draw the stake from the gateway's development faucet when the balance falls short. */
  faucet?: boolean;
}

const stateSchema = z.object({
  did: z.string().optional(),
  providerId: z.string().optional(),
  gateway: z.string(),
});
type State = z.infer<typeof stateSchema>;

interface ProviderRecord {
  id: string;
  did: string;
  models: string[];
}

interface PublishedModel {
  model_id: string;
  sha256: string;
  min_stake: string;
}

/** The model `id` as the gateway's registry lists it (a public read), or undefined when it does not. */
export async function publishedModel(
  gateway: GatewayClient,
  id: string,
): Promise<PublishedModel | undefined> {
  const published = await gateway.get<{ data: PublishedModel[] }>(
    `/v1/registry/models?q=${encodeURIComponent(id)}`,
  );
  return published.data.find((entry) => entry.model_id === id);
}

/**
 * Keeps a provider registered with a gateway: its identity, the model (published when nobody has,
 * refused when someone published it with other weights), the provider record and its stake. State
 * (DID, provider id) lives in a file so a restarted node keeps its identity; a gateway that forgot
 * the node (a wiped database) makes it register again on the next heartbeat.
 */
export class Registrar {
  private state: State;
  /** After `register`: set when the bonded stake is below the model's minimum (routing skips the node). */
  stakeShortfall: { bonded: bigint; minimum: bigint } | undefined;

  constructor(
    private readonly gateway: GatewayClient,
    private readonly listing: ProviderListing,
    private readonly statePath: string,
  ) {
    const saved = existsSync(statePath)
      ? stateSchema.safeParse(JSON.parse(readFileSync(statePath, 'utf8')))
      : undefined;
    // Kept when the gateway's URL changed too (a new port, a name instead of an address): `register`
    // asks the gateway whether it still knows the identity and the provider before reusing them.
    this.state = saved?.success ? { ...saved.data, gateway: gateway.baseUrl } : { gateway: gateway.baseUrl };
    if (this.state.did) gateway.did = this.state.did;
  }

  get providerId(): string | undefined {
    return this.state.providerId;
  }

  get did(): string | undefined {
    return this.state.did;
  }

  async register(): Promise<string> {
    const { gateway, listing } = this;
    if (!this.state.did || !(await this.known(`/v1/identities/${encodeURIComponent(this.state.did)}`))) {
      this.state = {
        gateway: gateway.baseUrl,
        did: await gateway.registerIdentity(['inference', 'provider']),
      };
      this.save();
    }
    const published = await this.ensureModel();
    const record = {
      name: listing.name,
      endpoint: listing.endpoint,
      kind: 'parley',
      models: [listing.model.id],
      gpu: listing.gpu,
      tee: listing.tee ?? null,
      capacity: listing.capacity,
    };
    const existing = await this.ownRecord();
    if (existing) {
      // Ours: bring the listing up to date (a new port after a restart, another capacity), keeping
      // the record, its stake and its history.
      await gateway.put(`/v1/providers/${existing.id}`, record);
      if (this.state.providerId !== existing.id) {
        this.state.providerId = existing.id;
        this.save();
      }
    } else {
      const created = await gateway.post<ProviderRecord>('/v1/providers', record);
      this.state.providerId = created.id;
      this.save();
    }
    const providerId = this.state.providerId as string;
    const bonded = await this.ensureStake(providerId);
    const minimum = BigInt(published.min_stake);
    this.stakeShortfall = bonded < minimum ? { bonded, minimum } : undefined;
    return providerId;
  }

  /**
   * This node's provider record at the gateway: the saved one, or (the saved state lost) the one its
   * identity registered for this model, so its stake and history are not left behind.
   */
  private async ownRecord(): Promise<ProviderRecord | undefined> {
    const { gateway, state } = this;
    if (state.providerId) {
      const saved = await gateway
        .get<ProviderRecord>(`/v1/providers/${state.providerId}`)
        .catch(() => undefined);
      return saved?.did === state.did ? saved : undefined;
    }
    const { data } = await gateway.get<{ data: ProviderRecord[] }>('/v1/providers');
    return data.find((record) => record.did === state.did && record.models.includes(this.listing.model.id));
  }

  /** Tells the gateway this node is shutting down, so it routes nothing new here. */
  async drain(): Promise<void> {
    if (this.state.providerId) await this.gateway.post(`/v1/providers/${this.state.providerId}/drain`);
  }

  /** Reports load; registers again when the gateway no longer knows this node. */
  async heartbeat(load: { inFlight: number; tokensPerSecond: number }): Promise<void> {
    const id = this.state.providerId;
    try {
      if (!id) throw new GatewayError(404, 'PROVIDER_NOT_FOUND', 'not registered yet');
      await this.gateway.post(`/v1/providers/${id}/heartbeat`, load);
    } catch (error) {
      const forgotten =
        error instanceof GatewayError &&
        (error.status === 404 || error.code === 'IDENTITY_NOT_FOUND' || error.code === 'SIGNATURE_INVALID');
      if (!forgotten) throw error;
      if (error.code !== 'PROVIDER_NOT_FOUND') this.state = { gateway: this.gateway.baseUrl };
      await this.register();
      await this.gateway.post(`/v1/providers/${this.state.providerId}/heartbeat`, load);
    }
  }

  /** The model as the gateway lists it, published first when nobody has. */
  private async ensureModel(): Promise<PublishedModel> {
    const { model } = this.listing;
    const found = await publishedModel(this.gateway, model.id);
    if (found) {
      if (found.sha256 !== model.sha256)
        throw new Error(
          `the gateway lists ${model.id} with weights ${found.sha256}, but this node's file hashes to ${model.sha256}; serve it under another --model-id`,
        );
      return found;
    }
    return await this.gateway.post<PublishedModel>('/v1/registry/models', {
      model_id: model.id,
      name: model.name,
      version: '1',
      category: 'LLM',
      modality: 'Text',
      price_per_token: model.pricePerToken.toString(),
      ...(model.minStake !== undefined ? { min_stake: model.minStake.toString() } : {}),
      max_context_length: model.contextLength,
      parameters: String(model.parameters),
      sha256: model.sha256,
    });
  }

  /** Bonds what the listing asks for beyond what is bonded already; returns the bonded stake. */
  private async ensureStake(providerId: string): Promise<bigint> {
    const current = await this.gateway.get<{ bonded: string }>(`/v1/providers/${providerId}/stake`);
    const bonded = BigInt(current.bonded);
    const missing = this.listing.stake - bonded;
    if (missing <= 0n) return bonded;
    // A development gateway's faucet funds the stake; elsewhere the operator funds the node's DID.
    if (this.listing.faucet) await this.gateway.post('/v1/faucet').catch(() => undefined);
    await this.gateway.post(`/v1/providers/${providerId}/stake`, { amount: missing.toString() });
    return bonded + missing;
  }

  private async known(path: string): Promise<boolean> {
    try {
      await this.gateway.get(path);
      return true;
    } catch (error) {
      if (error instanceof GatewayError && error.status === 404) return false;
      throw error;
    }
  }

  private save() {
    writeFileSync(this.statePath, `${JSON.stringify(this.state, null, 2)}\n`, { mode: 0o600 });
  }
}
