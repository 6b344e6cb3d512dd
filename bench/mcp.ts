import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { generateDidKey } from '../src/identity/index.ts';
import { GatewayClient } from '../src/provider/gateway-client.ts';
import { benchRoot, report, type Server, startGateway, startProcess } from './harness.ts';

/**
 * MCP tool calls through the real gateway process (Streamable HTTP at /mcp, the official SDK client)
 * against the plain HTTP route that makes the same service call, same run: calls per second and latency
 * sequentially and with `BENCH_CONCURRENCY` clients (one MCP session each), for `get_balance` (vs GET
 * /v1/accounts/{did}/balances) and `get_node_status` (vs GET /v1/gateway). `mcpRaw` posts the same
 * tools/call with fetch on the SDK client's session, to split the SDK client's cost from the server's.
 * Then the added latency of the `chat` tool over POST /v1/chat/completions, same free completion.
 */
export async function mcpBench(seconds = Number(process.env.BENCH_SECONDS ?? 5)) {
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
  const setup = await startBenchGateway();
  const clients: Array<{ client: Client; transport: StreamableHTTPClientTransport }> = [];
  try {
    for (let i = 0; i < concurrency; i++) clients.push(await connect(setup.gateway.url, setup.apiKey));
    const auth = { authorization: `Bearer ${setup.apiKey}` };
    const pairs = [
      {
        tool: 'get_balance',
        route: `GET /v1/accounts/{did}/balances`,
        url: `${setup.gateway.url}/v1/accounts/${encodeURIComponent(setup.did)}/balances`,
      },
      { tool: 'get_node_status', route: 'GET /v1/gateway', url: `${setup.gateway.url}/v1/gateway` },
    ];
    const tools = [];
    for (const { tool, route, url } of pairs) {
      const variants = {
        http: () => getJson(url, auth),
        mcpRaw: (worker: number) => rawToolCall(setup.gateway.url, setup.apiKey, at(clients, worker), tool),
        mcpSdk: (worker: number) => sdkToolCall(at(clients, worker).client, tool, {}),
      };
      const rows = [];
      for (const workers of [1, concurrency]) {
        const row: Record<string, unknown> = { concurrency: workers };
        const results: Record<string, LoopResult> = {};
        for (const [name, call] of Object.entries(variants)) {
          await closedLoop(workers, 1, call); // warm-up, untimed
          results[name] = await closedLoop(workers, seconds, call);
        }
        const { http, mcpRaw, mcpSdk } = results as Record<'http' | 'mcpRaw' | 'mcpSdk', LoopResult>;
        Object.assign(row, results, {
          sdkVsHttp: ratio(mcpSdk.callsPerSecond, http.callsPerSecond),
          rawVsHttp: ratio(mcpRaw.callsPerSecond, http.callsPerSecond),
          sdkAddsMeanUs: Math.round((mcpSdk.meanMs - http.meanMs) * 1000),
          serverAddsMeanUs: Math.round((mcpRaw.meanMs - http.meanMs) * 1000),
        });
        rows.push(row);
      }
      tools.push({ tool, route, rows });
    }
    const chat = await chatVsCompletions(
      setup,
      at(clients, 0).client,
      Number(process.env.BENCH_COUNT ?? 200),
    );
    report('mcp', {
      what: 'MCP tools/call through the gateway vs the plain HTTP route doing the same service call (same run, closed loop)',
      gateway: 'separate process: bin/parley.js gateway, PARLEY_LOG_LEVEL=info, SQLite in a temp dir',
      client: '@modelcontextprotocol/sdk Client + StreamableHTTPClientTransport, API key as Bearer',
      responseMode:
        'SSE (the gateway answers tools/call as text/event-stream; JSON response mode is not configurable)',
      seconds,
      tools,
      chat,
      aim: 'issue 8: tool calls/s for get_balance; added latency of chat vs /v1/chat/completions',
    });
  } finally {
    await Promise.allSettled(clients.map(({ client }) => client.close()));
    await setup.close();
  }
}

export interface BenchGateway {
  gateway: Server;
  upstream: Server;
  apiKey: string;
  did: string;
  close(): Promise<void>;
}

/**
 * The gateway and the mock upstream as processes, a free model (`bench-free`) served by the mock, and a
 * registered identity with an API key and faucet funds (so balances are not empty).
 */
export async function startBenchGateway(): Promise<BenchGateway> {
  const upstream = await startProcess(
    ['--import', 'tsx', join(benchRoot, 'bench/servers/mock-upstream.ts')],
    {},
    (line) => (line.startsWith('listening ') ? line.slice('listening '.length).trim() : undefined),
  );
  const gateway = await startGateway({ PARLEY_ALLOW_PRIVATE_PROVIDERS: 'true' });
  const key = generateDidKey();
  const owner = new GatewayClient(gateway.url, { didKey: key.did, secretKey: key.secretKey });
  const did = await owner.registerIdentity(['provider', 'inference']);
  await owner.post('/v1/registry/models', {
    model_id: 'bench-free',
    name: 'bench-free',
    version: '1',
    category: 'LLM',
    modality: 'Text',
    price_per_token: '0',
    min_stake: '0',
    max_context_length: 4096,
    parameters: '1000000000',
    sha256: 'ab'.repeat(32),
  });
  await owner.post('/v1/providers', {
    name: 'mock',
    endpoint: upstream.url,
    models: ['bench-free'],
    capacity: 100_000,
  });
  const { secret } = await owner.post<{ secret: string }>('/v1/api-keys', { name: 'bench' });
  await owner.post('/v1/faucet');
  return {
    gateway,
    upstream,
    apiKey: secret,
    did,
    close: async () => {
      await gateway.stop();
      await upstream.stop();
    },
  };
}

export interface LoopResult {
  calls: number;
  callsPerSecond: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
}

/** `workers` loops, each calling `call` back to back for `seconds`; calls/s over the wall time. */
export async function closedLoop(
  workers: number,
  seconds: number,
  call: (worker: number) => Promise<unknown>,
): Promise<LoopResult> {
  const times: number[] = [];
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (performance.now() < end) {
        const before = performance.now();
        await call(worker);
        times.push(performance.now() - before);
      }
    }),
  );
  const wall = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  const quantile = (q: number) => round(times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0);
  return {
    calls: times.length,
    callsPerSecond: Math.round(times.length / wall),
    meanMs: round(times.reduce((a, b) => a + b, 0) / times.length),
    p50Ms: quantile(0.5),
    p99Ms: quantile(0.99),
  };
}

export const ratio = (a: number, b: number) => Number((a / b).toFixed(3));
const round = (ms: number) => Number(ms.toFixed(3));
const at = <T>(items: T[], index: number): T => items[index] as T;

export async function getJson(url: string, headers: Record<string, string>): Promise<unknown> {
  const response = await fetch(url, { headers });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return response.json();
}

async function connect(url: string, apiKey: string) {
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${apiKey}` } },
  });
  const client = new Client({ name: 'parley-bench', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

async function sdkToolCall(client: Client, name: string, args: Record<string, unknown>) {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  return result;
}

let rawId = 1_000_000;

/** The same tools/call as the SDK sends, on its session, read as text: the server's share of the cost. */
async function rawToolCall(
  url: string,
  apiKey: string,
  { transport }: { transport: StreamableHTTPClientTransport },
  name: string,
) {
  const response = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${apiKey}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': transport.sessionId ?? '',
      'mcp-protocol-version': transport.protocolVersion ?? '2025-06-18',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: rawId++,
      method: 'tools/call',
      params: { name, arguments: {} },
    }),
  });
  const text = await response.text();
  if (!response.ok || !text.includes('"structuredContent"'))
    throw new Error(`raw ${name}: ${response.status} ${text}`);
  return text;
}

/** Sequential, alternating: the same 16-token free completion as the chat tool and as the HTTP route. */
async function chatVsCompletions(setup: BenchGateway, client: Client, count: number) {
  const messages = [{ role: 'user', content: 'hi' }];
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${setup.apiKey}` };
  const times = { http: 0, mcp: 0 };
  for (let i = 0; i <= count; i++) {
    let started = performance.now();
    const response = await fetch(`${setup.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ model: 'bench-free', messages, max_tokens: 16 }),
    });
    if (!response.ok) throw new Error(`chat completions: ${response.status} ${await response.text()}`);
    await response.json();
    if (i > 0) times.http += performance.now() - started;
    started = performance.now();
    await sdkToolCall(client, 'chat', { model: 'bench-free', messages, max_tokens: 16 });
    if (i > 0) times.mcp += performance.now() - started;
  }
  const httpUs = (times.http * 1000) / count;
  const mcpUs = (times.mcp * 1000) / count;
  return {
    requests: count,
    tokens: 16,
    httpMeanUs: Math.round(httpUs),
    mcpMeanUs: Math.round(mcpUs),
    mcpAddsUs: Math.round(mcpUs - httpUs),
    note: 'sequential, free model on the mock upstream, no progressToken (one JSON-RPC result)',
  };
}
