import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ProtocolContext } from '../gateway/context.ts';
import { registerResources } from './resources.ts';
import { ResourceSubscriptions } from './subscriptions.ts';
import { registerChannelTools } from './tools/channels.ts';
import { registerChatTool } from './tools/chat.ts';
import { registerIdentityTools } from './tools/identity.ts';
import { registerLedgerTools } from './tools/ledger.ts';
import { registerProofTools } from './tools/proofs.ts';
import { registerRegistryTools } from './tools/registry.ts';

const instructions = [
  'Parley is an inference gateway with its own ledger, payment channels and identities (DIDs).',
  'Without credentials you may call list_models, get_node_status, resolve_did and get_block; every other',
  'tool needs an API key (Authorization: Bearer parley_…) and stays within its delegated scope.',
  'To run inference: list_models (pick one with available: true), then chat. Free models (price "0")',
  'need nothing more. Priced ones are paid per token from a payment channel: request_faucet (test',
  'gateways), open_channel, then pass a voucher signed with your identity key to chat.',
  'Amounts are atomic units as decimal strings (1 TNZO = 10^18). Errors name a stable code (e.g.',
  'PAYMENT_REQUIRED, SCOPE_EXCEEDED, INSUFFICIENT_FUNDS) and say what to do next.',
].join(' ');

/** One MCP server (one per session): every Parley tool and resource, acting on the gateway's services. */
export function createMcpServer(
  context: ProtocolContext,
  sessionCount: () => number,
): { server: McpServer; subscriptions: ResourceSubscriptions } {
  const server = new McpServer(
    { name: 'parley', title: 'Parley gateway', version: context.version },
    {
      capabilities: { tools: {}, resources: { listChanged: true, subscribe: true }, logging: {} },
      instructions,
    },
  );
  registerRegistryTools(server, context, sessionCount);
  registerLedgerTools(server, context);
  registerIdentityTools(server, context);
  registerProofTools(server, context);
  registerChannelTools(server, context);
  registerChatTool(server, context);
  registerResources(server, context);
  return { server, subscriptions: new ResourceSubscriptions(server, context) };
}
