import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpError, type ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import type { ProtocolContext } from '../gateway/context.ts';
import { modelsNow, providersNow, withHealth } from './catalog.ts';
import { asAppError, mcpError } from './errors.ts';

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
    (uri) => read(uri, () => viewOf(context, uri.href)),
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
    (uri) => read(uri, () => viewOf(context, uri.href)),
  );

  server.registerResource(
    'channel',
    new ResourceTemplate('parley://channels/{id}', { list: undefined }),
    {
      title: 'Payment channel',
      description: 'A payment channel: deposit, highest voucher, charged, remaining, status',
      mimeType: 'application/json',
    },
    (uri) => read(uri, () => viewOf(context, uri.href)),
  );

  server.registerResource(
    'identity',
    new ResourceTemplate('parley://identities/{did}', { list: undefined }),
    {
      title: 'Identity',
      description: 'An identity: kind, controller, status, keys, capabilities and its lifecycle history',
      mimeType: 'application/json',
    },
    (uri) => read(uri, () => viewOf(context, uri.href)),
  );
}

/**
 * What a `parley://` resource shows now (the same view its HTTP route gives); throws the area's
 * not-found error for an unknown id, and MCP_RESOURCE_UNKNOWN for a URI that names no resource.
 */
export function viewOf(context: ProtocolContext, uri: string): unknown {
  const { router } = context;
  if (uri === 'parley://models') return { models: modelsNow(router) };
  const [, kind, id] = /^parley:\/\/(providers|channels|identities)\/([^/]+)$/.exec(uri) ?? [];
  if (kind === 'providers') return withHealth(router, router.registry.provider(String(id)));
  if (kind === 'channels') return context.channels.channels.get(String(id));
  if (kind === 'identities') return context.identity.registry.get(decodeURIComponent(String(id)));
  throw mcpError('MCP_RESOURCE_UNKNOWN', { uri });
}

/** A JSON resource; Parley errors become JSON-RPC errors with the Parley code in `data`. */
function read(uri: URL, view: () => unknown): ReadResourceResult {
  try {
    return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(view()) }] };
  } catch (error) {
    throw resourceError(uri.href, error);
  }
}

/** A Parley error about a resource as the JSON-RPC error MCP expects (-32002 when it does not exist). */
export function resourceError(uri: string, error: unknown): McpError {
  const failure = asAppError(error);
  const code = failure.status === 404 ? resourceNotFound : failure.rpcCode;
  return new McpError(code, failure.message, { code: failure.code, details: failure.details, uri });
}
