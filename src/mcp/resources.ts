import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpError, type ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import type { ProtocolContext } from '../gateway/context.ts';
import { modelsNow, providersNow, withHealth } from './catalog.ts';
import { asAppError } from './errors.ts';

/** MCP's code for a resource that does not exist. */
const resourceNotFound = -32002;

/**
 * Read-only views of what the public HTTP routes show: the model list, a provider, a channel, an
 * identity. Providers are listed (each one a resource); channels and identities are read by id only.
 */
export function registerResources(server: McpServer, context: ProtocolContext): void {
  const { router } = context;

  server.registerResource(
    'models',
    'parley://models',
    {
      title: 'Models',
      description:
        'Every registered model with its price, context and whether a healthy provider serves it now',
      mimeType: 'application/json',
    },
    (uri) => read(uri, () => ({ models: modelsNow(router) })),
  );

  server.registerResource(
    'provider',
    new ResourceTemplate('parley://providers/{id}', {
      list: () => ({
        resources: router.registry.listProviders().map((provider) => ({
          uri: `parley://providers/${provider.id}`,
          name: provider.name,
          description: `Provider ${provider.id}: ${provider.models.join(', ')}`,
          mimeType: 'application/json',
        })),
      }),
      complete: {
        id: (prefix) =>
          providersNow(router)
            .map((provider) => provider.id)
            .filter((id) => id.startsWith(prefix)),
      },
    }),
    {
      title: 'Provider',
      description: 'A provider node: models, GPU, TEE, capacity, load, status and measured health',
      mimeType: 'application/json',
    },
    (uri, { id }) => read(uri, () => withHealth(router, router.registry.provider(String(id)))),
  );

  server.registerResource(
    'channel',
    new ResourceTemplate('parley://channels/{id}', { list: undefined }),
    {
      title: 'Payment channel',
      description: 'A payment channel: deposit, highest voucher, charged, remaining, status',
      mimeType: 'application/json',
    },
    (uri, { id }) => read(uri, () => context.channels.channels.get(String(id))),
  );

  server.registerResource(
    'identity',
    new ResourceTemplate('parley://identities/{did}', { list: undefined }),
    {
      title: 'Identity',
      description: 'An identity: kind, controller, status, keys, capabilities and its lifecycle history',
      mimeType: 'application/json',
    },
    (uri, { did }) => read(uri, () => context.identity.registry.get(decodeURIComponent(String(did)))),
  );
}

/** A JSON resource; Parley errors become JSON-RPC errors with the Parley code in `data`. */
function read(uri: URL, view: () => unknown): ReadResourceResult {
  try {
    return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(view()) }] };
  } catch (error) {
    const failure = asAppError(error);
    const code = failure.status === 404 ? resourceNotFound : failure.rpcCode;
    throw new McpError(code, failure.message, {
      code: failure.code,
      details: failure.details,
      uri: uri.href,
    });
  }
}
