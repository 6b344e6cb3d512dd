import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A deterministic OpenAI-compatible upstream on loopback, for tests and benchmarks: token i of every
 * answer is `t{i} `, the answer stops after `naturalTokens` (finish `stop`) or at `max_tokens`
 * (finish `length`), with logprobs when asked and usage when asked. It can fail on purpose.
 */
export interface MockUpstreamOptions {
  naturalTokens?: number;
  /** Cut the connection after this many tokens. */
  dieAfterTokens?: number;
  /** Answer every request with this status instead. */
  status?: number;
  /** Milliseconds between tokens. */
  tokenDelayMs?: number;
  /** Keep generating past `max_tokens`, as a misbehaving provider would. */
  ignoreMaxTokens?: boolean;
}

export interface MockUpstream {
  url: string;
  /** Request bodies received, in order, with their path. */
  received: Array<{ path: string; body: Record<string, unknown> }>;
  /** Streams the client went away from before the end. */
  abandoned: number;
  close(): Promise<void>;
}

export async function startMockUpstream(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
  const state: MockUpstream = {
    url: '',
    received: [],
    abandoned: 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      const body = parts.length
        ? (JSON.parse(Buffer.concat(parts).toString()) as Record<string, unknown>)
        : {};
      state.received.push({ path: request.url ?? '', body });
      answer(request, response, body, options, state);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

function answer(
  request: IncomingMessage,
  response: ServerResponse,
  body: Record<string, unknown>,
  options: MockUpstreamOptions,
  state: MockUpstream,
) {
  if (options.status)
    return void response
      .writeHead(options.status, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: { message: 'mock failure', type: 'server_error' } }));
  if (request.url === '/v1/embeddings') return embeddings(response, body);
  if (request.url === '/v1/models')
    return void response.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[]}');
  const chat = request.url === '/v1/chat/completions';
  const limit =
    typeof body.max_tokens === 'number' && !options.ignoreMaxTokens
      ? body.max_tokens
      : Number.POSITIVE_INFINITY;
  const natural = options.naturalTokens ?? 16;
  const count = Math.min(limit, natural);
  const finish = count < natural ? 'length' : 'stop';
  const logprobs = chat ? body.logprobs === true : typeof body.logprobs === 'number';
  const envelope = { id: 'cmpl-mock', created: 1_700_000_000, model: String(body.model) };
  const piece = (i: number) => {
    const token = `t${i} `;
    const lp = logprobs ? -0.5 - i / 100 : undefined;
    if (chat)
      return {
        index: 0,
        delta: { role: 'assistant', content: token },
        logprobs: logprobs
          ? { content: [{ token, logprob: lp, bytes: [...Buffer.from(token)], top_logprobs: [] }] }
          : null,
        finish_reason: null,
      };
    return {
      index: 0,
      text: token,
      logprobs: logprobs
        ? { tokens: [token], token_logprobs: [lp], top_logprobs: [{}], text_offset: [i * 3] }
        : null,
      finish_reason: null,
    };
  };
  const object = chat ? 'chat.completion.chunk' : 'text_completion';
  const usage = { prompt_tokens: 7, completion_tokens: count, total_tokens: 7 + count };
  if (body.stream !== true) {
    const text = Array.from({ length: count }, (_, i) => `t${i} `).join('');
    const choice = chat
      ? { index: 0, message: { role: 'assistant', content: text }, finish_reason: finish }
      : { index: 0, text, finish_reason: finish };
    return void response.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        ...envelope,
        object: chat ? 'chat.completion' : 'text_completion',
        choices: [choice],
        usage,
      }),
    );
  }
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  let i = 0;
  let finished = false;
  response.on('close', () => {
    if (!finished) state.abandoned++;
  });
  const send = () => {
    if (response.destroyed) return;
    if (options.dieAfterTokens !== undefined && i >= options.dieAfterTokens)
      return void response.socket?.destroy();
    if (i < count) {
      response.write(`data: ${JSON.stringify({ ...envelope, object, choices: [piece(i)] })}\n\n`);
      i++;
      return void (options.tokenDelayMs ? setTimeout(send, options.tokenDelayMs) : setImmediate(send));
    }
    const last = chat
      ? { index: 0, delta: {}, finish_reason: finish }
      : { index: 0, text: '', finish_reason: finish };
    response.write(`data: ${JSON.stringify({ ...envelope, object, choices: [last] })}\n\n`);
    const wantsUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage;
    if (wantsUsage)
      response.write(`data: ${JSON.stringify({ ...envelope, object, choices: [], usage })}\n\n`);
    finished = true;
    response.end('data: [DONE]\n\n');
  };
  send();
}

function embeddings(response: ServerResponse, body: Record<string, unknown>) {
  const inputs = typeof body.input === 'string' ? [body.input] : (body.input as string[]);
  const tokens = inputs.reduce((sum, input) => sum + Math.ceil(Buffer.byteLength(input) / 4), 0);
  response.writeHead(200, { 'content-type': 'application/json' }).end(
    JSON.stringify({
      object: 'list',
      model: body.model,
      data: inputs.map((input, index) => ({
        object: 'embedding',
        index,
        embedding: [input.length / 100, 0.5, -0.25],
      })),
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    }),
  );
}

/** The slice of `IdentityClient` (src/identity/testing.ts) that publishing needs. */
interface SignedCaller<Agent> {
  signed(agent: Agent, method: string, path: string, body?: unknown): Promise<Response>;
}

/**
 * Publishes `llama-1b` (base 1,000 → 500 atomic TNZO per output token when idle) and the free
 * `free-1b`, both with a 500 minimum stake, and registers a provider `p0` serving them at
 * `endpoint` with 1,000 staked. The owner needs at least 1,000 TNZO. Returns the provider id.
 */
export async function publishServedModels<Agent>(
  identity: SignedCaller<Agent>,
  owner: Agent,
  endpoint: string,
): Promise<string> {
  const ok = async (response: Promise<Response>, what: string) => {
    const answer = await response;
    if (answer.status >= 300) throw new Error(`${what}: ${await answer.text()}`);
    return (await answer.json()) as { id?: string };
  };
  for (const [model, price] of [
    ['llama-1b', '1000'],
    ['free-1b', '0'],
  ] as const) {
    await ok(
      identity.signed(owner, 'POST', '/v1/registry/models', {
        model_id: model,
        name: model,
        version: '1',
        category: 'LLM',
        modality: 'Text',
        price_per_token: price,
        min_stake: '500',
        max_context_length: 2048,
        parameters: '1000000000',
        sha256: '12'.repeat(32),
      }),
      `model ${model}`,
    );
  }
  const provider = await ok(
    identity.signed(owner, 'POST', '/v1/providers', {
      name: 'p0',
      endpoint,
      models: ['llama-1b', 'free-1b'],
      capacity: 8,
    }),
    'provider',
  );
  const id = provider.id as string;
  await ok(identity.signed(owner, 'POST', `/v1/providers/${id}/stake`, { amount: '1000' }), 'stake');
  return id;
}
