import type { ModelView, ProviderView } from './schemas.ts';
import type { models, providers } from './tables.ts';

export type ModelRow = typeof models.$inferSelect;
export type ProviderRow = typeof providers.$inferSelect;

/** A model row as the API shows it. */
export const modelView = (row: ModelRow): ModelView => ({
  model_id: row.id,
  name: row.name,
  description: row.description,
  version: row.version,
  category: row.category,
  modality: row.modality,
  provider: row.publisher,
  price_per_token: row.pricePerToken,
  min_stake: row.minStake,
  tee_required: row.teeRequired,
  supported_formats: row.supportedFormats,
  max_context_length: row.maxContextLength,
  parameters: row.parameters,
  sha256: row.sha256,
  tee_policy: row.teePolicy ?? null,
  created_at: row.createdAt.toISOString(),
});

/** A provider row and the models it serves, as the API shows them. */
export function providerView(row: ProviderRow, served: string[]): ProviderView {
  return {
    id: row.id,
    did: row.did,
    name: row.name,
    endpoint: row.endpoint,
    kind: row.kind,
    models: served,
    gpu: row.gpu ?? null,
    tee: row.teePlatform,
    capacity: row.capacity,
    inFlight: row.inFlight,
    tokensPerSecond: row.tokensPerSecond,
    registeredAt: row.registeredAt.toISOString(),
    lastHeartbeatAt: row.lastHeartbeatAt.toISOString(),
    banned: row.bannedAt ? { at: row.bannedAt.toISOString(), reason: row.banReason ?? '' } : null,
    draining: row.drainingAt !== null && row.drainingAt !== undefined,
  };
}
