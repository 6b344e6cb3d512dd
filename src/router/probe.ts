import type { RouterServices } from './http.ts';

export interface ProbeResult {
  providerId: string;
  ok: boolean;
  status?: number;
}

/**
 * Active health checks: asks every provider that is not banned whether it is up (`/healthz` on a
 * Parley node, `/v1/models` on any other OpenAI-compatible server) and records the answer with the
 * passive results, so a provider nobody is sending traffic to still moves between statuses.
 */
export async function probeProviders(
  services: Pick<RouterServices, 'registry' | 'health'>,
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
      return result;
    }),
  );
}
