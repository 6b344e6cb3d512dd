import { randomUUID } from 'node:crypto';
import { TaskState } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { a2aClient, bearerFetch, sendRequest } from '../src/a2a/testing.ts';
import { report } from './harness.ts';
import { type BenchGateway, closedLoop, getJson, type LoopResult, ratio, startBenchGateway } from './mcp.ts';

/**
 * A2A through the real gateway process, same run: (1) round trips per second of the cheap `wallet`
 * `balances` skill — the SDK client's 1.0 SendMessage, and the 0.3 `message/send` posted with fetch —
 * against GET /v1/accounts/{did}/balances, sequentially and with `BENCH_CONCURRENCY` loops; (2) time to
 * the first artifact chunk of an `inference` task (SendStreamingMessage) against time to the first token
 * of the same streamed completion through /v1/chat/completions, on a free model and a fast mock upstream.
 */
export async function a2aBench(seconds = Number(process.env.BENCH_SECONDS ?? 5)) {
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
  const setup = await startBenchGateway();
  try {
    const client = await a2aClient(setup.gateway.url, bearerFetch(setup.apiKey));
    const auth = { authorization: `Bearer ${setup.apiKey}` };
    const balances = `${setup.gateway.url}/v1/accounts/${encodeURIComponent(setup.did)}/balances`;
    const variants = {
      http: () => getJson(balances, auth),
      sendMessage: () => sdkBalances(client),
      rawMessageSend: () => rawBalances(setup),
    };
    const rows = [];
    for (const workers of [1, concurrency]) {
      const results: Record<string, LoopResult> = {};
      for (const [name, call] of Object.entries(variants)) {
        await closedLoop(workers, 1, call); // warm-up, untimed
        results[name] = await closedLoop(workers, seconds, call);
      }
      const { http, sendMessage, rawMessageSend } = results as Record<keyof typeof variants, LoopResult>;
      rows.push({
        concurrency: workers,
        ...results,
        sendMessageVsHttp: ratio(sendMessage.callsPerSecond, http.callsPerSecond),
        rawVsHttp: ratio(rawMessageSend.callsPerSecond, http.callsPerSecond),
        sendMessageAddsMeanUs: Math.round((sendMessage.meanMs - http.meanMs) * 1000),
      });
    }
    const inference = await firstChunk(setup, client, Number(process.env.BENCH_COUNT ?? 100));
    report('a2a', {
      what: 'A2A JSON-RPC at /a2a through the gateway vs the plain HTTP routes doing the same work (same run)',
      gateway: 'separate process: bin/parley.js gateway, PARLEY_LOG_LEVEL=info, SQLite in a temp dir',
      client: '@a2a-js/sdk ClientFactory (JSON-RPC transport, A2A 1.0), API key as Bearer; raw = fetch',
      payment: 'none: free model (price_per_token 0), so no voucher',
      seconds,
      balances: { skill: { skill: 'wallet', action: 'balances' }, rows },
      inference,
      aim: 'issue 9: message/send round trips per second; time to first artifact chunk vs first token',
    });
  } finally {
    await setup.close();
  }
}

async function sdkBalances(client: Client) {
  const result = await client.sendMessage(sendRequest({ skill: 'wallet', action: 'balances' }));
  if (!('status' in result) || result.status?.state !== TaskState.TASK_STATE_COMPLETED)
    throw new Error(`balances task did not complete: ${JSON.stringify(result)}`);
}

/** The 0.3 `message/send` as an older client posts it, read as text. */
async function rawBalances(setup: BenchGateway) {
  const response = await fetch(`${setup.gateway.url}/a2a`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${setup.apiKey}` },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'message/send',
      params: {
        message: {
          kind: 'message',
          messageId: randomUUID(),
          role: 'user',
          parts: [{ kind: 'data', data: { skill: 'wallet', action: 'balances' } }],
        },
      },
    }),
  });
  const text = await response.text();
  if (!response.ok || !text.includes('"completed"'))
    throw new Error(`message/send: ${response.status} ${text}`);
}

/** Sequential, alternating: first token and whole answer of the same streamed completion both ways. */
async function firstChunk(setup: BenchGateway, client: Client, count: number) {
  const tokens = 64;
  const body = { model: 'bench-free', messages: [{ role: 'user', content: 'hi' }], max_tokens: tokens };
  const sums = { httpFirst: 0, httpTotal: 0, a2aFirst: 0, a2aTotal: 0 };
  for (let i = 0; i <= count; i++) {
    const http = await streamedCompletion(setup, body);
    const a2a = await streamedTask(client, body);
    if (i === 0) continue; // warm-up
    sums.httpFirst += http.first;
    sums.httpTotal += http.total;
    sums.a2aFirst += a2a.first;
    sums.a2aTotal += a2a.total;
  }
  const mean = (ms: number) => Number((ms / count).toFixed(3));
  return {
    requests: count,
    tokens,
    chatCompletions: { firstTokenMs: mean(sums.httpFirst), totalMs: mean(sums.httpTotal) },
    sendStreamingMessage: { firstArtifactChunkMs: mean(sums.a2aFirst), totalMs: mean(sums.a2aTotal) },
    a2aAddsFirstMs: mean(sums.a2aFirst - sums.httpFirst),
    a2aAddsTotalMs: mean(sums.a2aTotal - sums.httpTotal),
    note: 'sequential, means; POST /v1/chat/completions stream:true vs SendStreamingMessage {skill:inference, action:chat}',
  };
}

async function streamedCompletion(setup: BenchGateway, body: Record<string, unknown>) {
  const started = performance.now();
  const response = await fetch(`${setup.gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${setup.apiKey}` },
    body: JSON.stringify({ ...body, stream: true }),
  });
  if (!response.ok || !response.body) throw new Error(`chat completions: ${response.status}`);
  let first = 0;
  const decoder = new TextDecoder();
  for await (const part of response.body)
    if (!first && /"content":"[^"]/.test(decoder.decode(part, { stream: true })))
      first = performance.now() - started;
  if (!first) throw new Error('the completion streamed no token');
  return { first, total: performance.now() - started };
}

async function streamedTask(client: Client, body: Record<string, unknown>) {
  const started = performance.now();
  let first = 0;
  for await (const event of client.sendMessageStream(
    sendRequest({ skill: 'inference', action: 'chat', ...body }),
  ))
    if (!first && event.payload?.$case === 'artifactUpdate') first = performance.now() - started;
  if (!first) throw new Error('the task streamed no artifact chunk');
  return { first, total: performance.now() - started };
}
