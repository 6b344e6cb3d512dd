import { type RouterServices, servedModels } from '../router/index.ts';
import type { ProviderView } from './area-internals.ts';

/** A provider as GET /v1/providers shows it: the record plus its status and health now. */
export function withHealth(router: RouterServices, provider: ProviderView) {
  const { health } = router;
  return {
    ...provider,
    status: health.status(
      provider.id,
      Date.parse(provider.lastHeartbeatAt),
      provider.banned !== null,
      provider.draining,
    ),
    health: health.snapshot(provider.id),
  };
}

export function providersNow(router: RouterServices) {
  return router.registry.listProviders().map((provider) => withHealth(router, provider));
}

/** Every registered model, marked with whether it can be served now. */
export function modelsNow(
  router: RouterServices,
  filter: Parameters<RouterServices['registry']['listModels']>[0] = {},
) {
  const served = servedModels(router);
  return router.registry
    .listModels(filter)
    .map((model) => ({ ...model, available: served.has(model.model_id) }));
}

/**
 * What the resource list and the model list depend on: registered models, their availability, and the
 * providers (each one is a resource). Two equal fingerprints mean nothing a client lists has changed.
 */
export function catalogFingerprint(router: RouterServices): string {
  // Both lists come ordered by id from the registry's caches: MCP checks this on every request.
  const models = modelsNow(router).map((model) => `${model.model_id}:${model.available ? 1 : 0}`);
  const providers = router.registry.routableProviders().map(({ view }) => view.id);
  return `${models.join(',')}|${providers.join(',')}`;
}
