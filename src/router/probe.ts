import type { RouterServices } from './http.ts';

export interface ProbeResult {
  providerId: string;
  ok: boolean;
  status?: number;
  /** Models whose weights the node reports with another SHA-256 than the registry (slashed 5%). */
  hashMismatches?: Array<{ model: string; registered: string; reported: string }>;
}

interface ProviderInfo {
  models?: Array<{ id?: string; sha256?: string }>;
}

/**
 * Active health checks: asks every provider that is not banned whether it is up (`/healthz` on a
 * Parley node, `/v1/models` on any other OpenAI-compatible server) and records the answer with the
 * passive results, so a provider nobody is sending traffic to still moves between statuses. A
 * Parley node also reports its models' hashes (`/v1/provider/info`): serving other weights than
 * the registry lists is slashed by policy (`model_hash_mismatch`, once per reported hash).
 */
export async function probeProviders(
  services: Pick<RouterServices, 'registry' | 'health' | 'stake'>,
  options: { timeoutMs: number; fetch?: typeof fetch },
): Promise<ProbeResult[]> {
  const send = options.fetch ?? fetch;
  const providers = services.registry.listProviders().filter((provider) => provider.banned === null);
  return Promise.all(
    providers.map(async (provider): Promise<ProbeResult> => {
      const path = provider.kind === 'parley' ? '/healthz' : '/v1/models';
      let result: ProbeResult;
      try {
        const response = await send(new URL(path, provider.endpoint), {
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        await response.body?.cancel();
        result = { providerId: provider.id, ok: response.ok, status: response.status };
      } catch {
        result = { providerId: provider.id, ok: false };
      }
      services.health.record(provider.id, { ok: result.ok });
      if (result.ok && provider.kind === 'parley') {
        const mismatches = await checkHashes(services, provider, send, options.timeoutMs);
        if (mismatches.length > 0) result.hashMismatches = mismatches;
      }
      return result;
    }),
  );
}

async function checkHashes(
  services: Pick<RouterServices, 'registry' | 'stake'>,
  provider: { id: string; endpoint: string; models: string[] },
  send: typeof fetch,
  timeoutMs: number,
): Promise<NonNullable<ProbeResult['hashMismatches']>> {
  let info: ProviderInfo;
  try {
    const response = await send(new URL('/v1/provider/info', provider.endpoint), {
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) return [];
    info = (await response.json()) as ProviderInfo;
  } catch {
    return [];
  }
  const mismatches: NonNullable<ProbeResult['hashMismatches']> = [];
  for (const served of info.models ?? []) {
    if (!served.id || !served.sha256 || !provider.models.includes(served.id)) continue;
    const registered = services.registry.model(served.id).sha256;
    if (registered === served.sha256) continue;
    mismatches.push({ model: served.id, registered, reported: served.sha256 });
    const already = services.stake
      .slashHistory(provider.id)
      .some(
        (slash) =>
          slash.reason === 'model_hash_mismatch' &&
          (slash.evidence as { reported?: string } | null)?.reported === served.sha256,
      );
    if (!already)
      services.stake.slash(provider.id, 'model_hash_mismatch', {
        model: served.id,
        registered,
        reported: served.sha256,
        source: 'active probe of /v1/provider/info',
      });
  }
  return mismatches;
}
