import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Message, type Part, Role, type SendMessageRequest, type StreamResponse } from '@a2a-js/sdk';
import { ClientFactory, ClientFactoryOptions, JsonRpcTransportFactory } from '@a2a-js/sdk/client';
import { serve } from '@hono/node-server';
import { signChannelState, voucherHeader } from '../channels/index.ts';
import type { Db } from '../gateway/database.ts';
import { buildTestApp, readJson } from '../gateway/testing.ts';
import { IdentityClient, type TestAgent } from '../identity/testing.ts';
import {
  type MockUpstream,
  type MockUpstreamOptions,
  publishServedModels,
  startMockUpstream,
} from '../router/testing.ts';

export const TNZO = 10n ** 18n;

type Policy = Parameters<IdentityClient['delegate']>[2];

/** A test gateway served on a loopback port, so A2A clients talk to it over real HTTP. */
export interface ServedGateway {
  url: string;
  built: ReturnType<typeof buildTestApp>;
  identity: IdentityClient;
  close(): Promise<void>;
}

/** Serves `fetch` (a Hono app) on 127.0.0.1 and an ephemeral port. */
export async function serveOnLoopback(fetch: Parameters<typeof serve>[0]['fetch']) {
  const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export async function startGateway(
  options: { db?: Db; allowPrivateEndpoints?: boolean } = {},
): Promise<ServedGateway> {
  const built = buildTestApp({
    maxBodyBytes: 65_536,
    ...(options.db ? { db: options.db } : {}),
    ...(options.allowPrivateEndpoints === false ? { allowPrivateProviderEndpoints: false } : {}),
  });
  const served = await serveOnLoopback(built.app.fetch);
  return { ...served, built, identity: new IdentityClient(built) };
}

/** A machine agent under a delegation from its controller, with an API key bound to it. */
export interface DelegatedAgent {
  agent: TestAgent;
  controller: TestAgent;
  delegationId: string;
  apiKey: string;
}

export async function delegatedAgent(identity: IdentityClient, policy: Policy = {}): Promise<DelegatedAgent> {
  const controller = await identity.register('autonomous');
  const agent = await identity.register('machine', { controller });
  const delegation = await readJson(await identity.delegate(controller, agent, policy));
  if (!delegation.id) throw new Error(`delegation failed: ${JSON.stringify(delegation)}`);
  const key = await readJson(
    await identity.signed(controller, 'POST', '/v1/api-keys', {
      did: agent.did,
      name: 'a2a',
      delegationId: delegation.id,
    }),
  );
  return { agent, controller, delegationId: delegation.id, apiKey: key.secret };
}

/** fetch that sends `Authorization: Bearer <apiKey>` with every request. */
export function bearerFetch(apiKey: string): typeof fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${apiKey}`);
    return fetch(input, { ...init, headers });
  };
}

/** The SDK's own A2A client, built from the served card, authenticating with `fetchImpl`. */
export function a2aClient(url: string, fetchImpl: typeof fetch) {
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory({ fetchImpl })],
      preferredTransports: ['JSONRPC'],
    }),
  );
  return factory.createFromUrl(url);
}

/** A raw JSON-RPC call, for what no client sends (0.3 names, malformed envelopes, other versions). */
export async function rpc(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: () => Promise<Record<string, unknown>> }> {
  const response = await fetch(`${url}/a2a`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    json: async () => (await response.json()) as Record<string, unknown>,
  };
}

/** Reads server-sent events of a response into their JSON payloads. */
export async function sseEvents(response: Response): Promise<Array<Record<string, unknown>>> {
  const text = await response.text();
  return text
    .split('\n\n')
    .map((block) => block.split('\n').find((line) => line.startsWith('data: ')))
    .filter((line): line is string => line !== undefined)
    .map((line) => JSON.parse(line.slice(6)) as Record<string, unknown>);
}

/**
 * A priced model (`llama-1b`, 1,000 base → 500 atomic TNZO per output token), a free one
 * (`free-1b`), a staked provider on a mock upstream, and a funded paying agent with an open channel.
 */
export async function paidInference(
  gateway: ServedGateway,
  options: { upstream?: MockUpstreamOptions; policy?: Policy } = {},
) {
  const { identity } = gateway;
  const owner = await identity.register('autonomous');
  await identity.admin('POST', '/v1/admin/deposits', { did: owner.did, asset: 'TNZO', amount: '100000' });
  const upstream: MockUpstream = await startMockUpstream(options.upstream);
  const provider = { id: await publishServedModels(identity, owner, upstream.url) };
  const payer = await delegatedAgent(identity, options.policy);
  await identity.signed(payer.agent, 'POST', '/v1/faucet', undefined, payer.delegationId);
  const channel = await readJson(
    await identity.signed(
      payer.agent,
      'POST',
      '/v1/channels',
      { asset: 'TNZO', deposit: (10n * TNZO).toString() },
      payer.delegationId,
    ),
  );
  if (!channel.id) throw new Error(`channel: ${JSON.stringify(channel)}`);
  const channelNow = async () => readJson(await identity.app.request(`/v1/channels/${channel.id}`));
  /** The next voucher on the channel, authorizing `extra` beyond what it has charged. */
  const voucher = async (extra: bigint) => {
    const now = await channelNow();
    return signChannelState(
      channel.network,
      {
        channelId: channel.id,
        nonce: now.nonce + 1,
        cumulativeAmount: (BigInt(now.charged) + extra).toString(),
        final: false,
      },
      payer.agent.keyId,
      payer.agent.secretKey,
    );
  };
  return {
    payer,
    providerId: provider.id as string,
    upstream,
    channel,
    channelNow,
    voucher,
    voucherHeader: async (extra: bigint) => voucherHeader(await voucher(extra)),
  };
}

/** A user message carrying `parts`; ids are fresh unless given. */
export function userMessage(parts: Part[], extra: Partial<Message> = {}): Message {
  return {
    messageId: randomUUID(),
    contextId: '',
    taskId: '',
    role: Role.ROLE_USER,
    parts,
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
    ...extra,
  };
}

export const dataPart = (value: unknown): Part => ({
  content: { $case: 'data', value },
  metadata: undefined,
  filename: '',
  mediaType: 'application/json',
});

export const textPart = (value: string): Part => ({
  content: { $case: 'text', value },
  metadata: undefined,
  filename: '',
  mediaType: 'text/plain',
});

/** SendMessage params for a message with one data part (a skill request). */
export function sendRequest(value: unknown, extra: Partial<Message> = {}): SendMessageRequest {
  return {
    tenant: '',
    message: userMessage([dataPart(value)], extra),
    configuration: undefined,
    metadata: undefined,
  };
}

/** Everything a stream yields, in order. */
export async function collect(stream: AsyncIterable<StreamResponse>): Promise<StreamResponse[]> {
  const events: StreamResponse[] = [];
  for await (const event of stream) events.push(event);
  return events;
}
