import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ProtocolContext } from '../../gateway/context.ts';
import { quoteNow } from '../../router/index.ts';
import { modelsNow, providersNow } from '../catalog.ts';
import {
  emptyInput,
  getQuoteInput,
  listModelsInput,
  listModelsOutput,
  listProvidersInput,
  listProvidersOutput,
  nodeStatusOutput,
  quoteOutput,
} from '../schemas.ts';
import { addTool } from '../tool-kit.ts';

/** The gateway, its models and providers, and prices: what /v1/gateway, /v1/registry, /v1/providers, /v1/quote show. */
export function registerRegistryTools(
  server: McpServer,
  context: ProtocolContext,
  sessionCount: () => number,
): void {
  const { router } = context;

  addTool(server, context, {
    name: 'get_node_status',
    title: 'Gateway status',
    description:
      'This Parley gateway: version, public key (it signs ledger blocks and receipts), uptime, ledger ' +
      'height, how many models are registered and servable, and providers by status. A cheap first call ' +
      'to see whether inference is possible right now.',
    access: 'public',
    input: emptyInput,
    output: nodeStatusOutput,
    annotations: { readOnlyHint: true, openWorldHint: false },
    run: () => {
      const providers = providersNow(router);
      const count = (status: string) => providers.filter((provider) => provider.status === status).length;
      const models = modelsNow(router);
      return {
        name: 'parley' as const,
        version: context.version,
        publicKey: context.publicKey,
        startedAt: new Date(context.startedAt).toISOString(),
        uptimeSeconds: Math.max(0, Math.floor((context.clock.now() - context.startedAt) / 1000)),
        ledgerHeight: context.channels.ledger.height(),
        models: { registered: models.length, available: models.filter((model) => model.available).length },
        providers: {
          total: providers.length,
          active: count('active'),
          degraded: count('degraded'),
          inactive: count('inactive'),
          banned: count('banned'),
        },
        mcpSessions: sessionCount(),
      };
    },
  });

  addTool(server, context, {
    name: 'list_models',
    title: 'List models',
    description:
      'Models registered on this gateway with their base price per token (atomic TNZO), context length, ' +
      'category and whether some healthy provider serves them now (`available`). Filter by category, ' +
      'modality, price, context, TEE or text. Pick an available model for chat; a price of "0" is free.',
    access: 'public',
    input: listModelsInput,
    output: listModelsOutput,
    annotations: { readOnlyHint: true, openWorldHint: false },
    run: ({ available_only, tee, ...filter }) => {
      const models = modelsNow(router, {
        ...filter,
        ...(tee === undefined ? {} : { tee: tee ? ('true' as const) : ('false' as const) }),
      });
      return { models: available_only ? models.filter((model) => model.available) : models };
    },
  });

  addTool(server, context, {
    name: 'list_providers',
    title: 'List providers',
    description:
      'Provider nodes with their models, GPU, TEE platform, capacity, load, last heartbeat, status ' +
      '(active, degraded, inactive, banned) and measured health (latency, tokens/s, reputation 0–1).',
    access: 'private',
    input: listProvidersInput,
    output: listProvidersOutput,
    annotations: { readOnlyHint: true, openWorldHint: false },
    run: ({ model }, call) => {
      call.authorize();
      const providers = providersNow(router);
      return { providers: model ? providers.filter((p) => p.models.includes(model)) : providers };
    },
  });

  addTool(server, context, {
    name: 'get_quote',
    title: 'Get a price quote',
    description:
      'What a number of output tokens of a model costs now at the least loaded provider (or a named one), ' +
      'in TNZO, USDC or USDT atomic units, with every pricing factor. Use it to size a channel deposit or ' +
      'the amount a chat voucher must authorize.',
    access: 'private',
    input: getQuoteInput,
    output: quoteOutput,
    annotations: { readOnlyHint: true, openWorldHint: false },
    run: (query, call) => {
      call.authorize();
      return quoteNow(router, query);
    },
  });
}
