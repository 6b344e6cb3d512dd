import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { type SignedState, signChannelState } from '../channels/index.ts';
import { buildTestApp, readJson } from '../gateway/testing.ts';
import { IdentityClient, type TestAgent } from '../identity/testing.ts';
import { type MockUpstreamOptions, publishServedModels, startMockUpstream } from '../router/testing.ts';

type Policy = Parameters<IdentityClient['delegate']>[2];

export const TNZO = 10n ** 18n;
/** 1,000 atomic units × size 1 (1B parameters) × utilization 0.5 (idle) = 500 per output token. */
export const PRICE = 500n;

/**
 * A test gateway on a real loopback port with a priced model (`llama-1b`), a free one (`free-1b`),
 * a provider backed by a mock upstream, and a funded agent: a machine under a full delegation from
 * its controller, with an API key and an open payment channel. Everything goes through the real
 * HTTP API; MCP clients connect with the official SDK.
 */
export async function startMcpGateway(upstream: MockUpstreamOptions = {}) {
  // The production body limit (1 MiB): TEE evidence with its certificate chain runs to kilobytes.
  const built = buildTestApp({ maxBodyBytes: 1024 * 1024 });
  const identity = new IdentityClient(built);
  const server = serve({ fetch: built.app.fetch, hostname: '127.0.0.1', port: 0 }) as Server;
  await new Promise((resolve) => server.once('listening', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const mock = await startMockUpstream(upstream);

  const owner = await identity.register('autonomous');
  await identity.admin('POST', '/v1/admin/deposits', { did: owner.did, asset: 'TNZO', amount: '100000' });
  const provider = { id: await publishServedModels(identity, owner, mock.url) };

  const controller = await identity.register('autonomous');
  const agent = await identity.register('machine', { controller });
  const delegation = async (policy: Policy) =>
    (await expectOk(identity.delegate(controller, agent, policy))).id as string;
  const full = await delegation({});
  /** An API key for the agent under a delegation with `policy` (default: unrestricted). */
  const agentKey = async (policy?: Policy) =>
    (
      await expectOk(
        identity.signed(controller, 'POST', '/v1/api-keys', {
          did: agent.did,
          name: 'mcp',
          delegationId: policy ? await delegation(policy) : full,
        }),
      )
    ).secret as string;
  await expectOk(identity.signed(agent, 'POST', '/v1/faucet', undefined, full));
  /**
   * A fresh channel of 10 TNZO from the agent, and vouchers on it: `voucher(extra)` signs the next nonce
   * authorizing `extra` beyond what the channel has charged, so each test pays exactly what it says.
   */
  const payer = async () => {
    const opened = await expectOk(
      identity.signed(
        agent,
        'POST',
        '/v1/channels',
        { asset: 'TNZO', deposit: (10n * TNZO).toString() },
        full,
      ),
    );
    const voucher = async (extra: bigint, who: TestAgent = agent): Promise<SignedState> => {
      const now = await readJson(await built.app.request(`/v1/channels/${opened.id}`));
      return signChannelState(
        opened.network,
        {
          channelId: opened.id,
          nonce: now.nonce + 1,
          cumulativeAmount: (BigInt(now.charged) + extra).toString(),
          final: false,
        },
        who.keyId,
        who.secretKey,
      );
    };
    const charged = async () =>
      BigInt((await readJson(await built.app.request(`/v1/channels/${opened.id}`))).charged);
    return { channel: opened, voucher, charged };
  };
  const { channel } = await payer();
  const apiKey = await agentKey();

  const clients: Client[] = [];
  /**
   * An SDK client over Streamable HTTP, with the API key (if any) on every request; `fetch` replaces
   * the transport's (to sign each request, say).
   */
  const connect = async (key?: string, fetchWith?: typeof fetch) => {
    const transport = new StreamableHTTPClientTransport(new URL(`${origin}/mcp`), {
      requestInit: { headers: key ? { Authorization: `Bearer ${key}` } : {} },
      ...(fetchWith ? { fetch: fetchWith } : {}),
    });
    const client = new Client({ name: 'parley-test', version: '1.0.0' });
    await client.connect(transport);
    clients.push(client);
    return client;
  };

  return {
    built,
    identity,
    origin,
    mcpUrl: `${origin}/mcp`,
    mock,
    owner,
    controller,
    agent,
    agentKey,
    apiKey,
    channel,
    providerId: provider.id as string,
    payer,
    connect,
    close: async () => {
      await Promise.allSettled(clients.map((client) => client.close()));
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await mock.close();
    },
  };
}

export type McpGateway = Awaited<ReturnType<typeof startMcpGateway>>;

/** The structured content of a successful tool result, loosely typed so tests can reach into it. */
// biome-ignore lint/suspicious/noExplicitAny: test assertions inspect arbitrary JSON
export function structured(result: CallToolResult | Record<string, unknown>): any {
  if (result.isError) throw new Error(`the tool failed: ${JSON.stringify(result.content)}`);
  return result.structuredContent;
}

/** The Parley error of a failed tool result. */
export function toolErrorOf(result: CallToolResult | Record<string, unknown>) {
  if (!result.isError) throw new Error(`the tool succeeded: ${JSON.stringify(result.structuredContent)}`);
  const meta = (result._meta ?? {}) as {
    'parley/error'?: { code: string; message: string; details: unknown };
  };
  const text = (result.content as Array<{ text?: string }>)[0]?.text ?? '';
  return { ...meta['parley/error'], text };
}

async function expectOk(response: Promise<Response>) {
  const answer = await response;
  if (!answer.ok) throw new Error(`setup failed (${answer.status}): ${await answer.text()}`);
  return readJson(answer);
}
