import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../shared/index.ts';
import { readAll, type UpstreamBody } from '../shared/upstream.ts';
import { CircuitBreakers } from './circuit-breaker.ts';
import { type ForwardOptions, forward, NoUpstreamError } from './forward.ts';
import { HealthTracker } from './health.ts';

type Behaviour =
  | 'ok'
  | 'stream'
  | 'stall'
  | 'error500'
  | 'badRequest'
  | 'dieMidStream'
  | 'dieBeforeFirstChunk';
const servers: Server[] = [];

/** A real HTTP upstream on loopback that behaves as told. */
async function upstream(behaviour: Behaviour): Promise<string> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      if (behaviour === 'stall') return;
      if (behaviour === 'error500') return void response.writeHead(500).end('{"error":"boom"}');
      if (behaviour === 'badRequest')
        return void response.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad"}');
      if (behaviour === 'ok')
        return void response.writeHead(200, { 'content-type': 'application/json' }).end('{"choices":[]}');
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      if (behaviour === 'dieBeforeFirstChunk') {
        response.flushHeaders();
        return void setTimeout(() => response.socket?.destroy(), 20);
      }
      response.write('data: {"token":"a"}\n\n');
      if (behaviour === 'dieMidStream') return void setTimeout(() => response.socket?.destroy(), 20);
      setTimeout(() => response.end('data: {"token":"b"}\n\ndata: [DONE]\n\n'), 20);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

function setup(overrides: Partial<ForwardOptions> = {}) {
  const clock = new ManualClock();
  const breakers = new CircuitBreakers(clock);
  const health = new HealthTracker(clock);
  const options: ForwardOptions = {
    breakers,
    health,
    clock,
    maxAttempts: 5,
    attemptTimeoutMs: 300,
    deadlineMs: 10_000,
    stream: false,
    ...overrides,
  };
  return { options, breakers, health };
}

const text = async (body: UpstreamBody) => (await readAll(body)).toString('utf8');

describe('forward with failover', () => {
  it('moves past a refused connection, a stalled upstream and a 500, and serves from the next', async () => {
    const { options, health } = setup();
    const ranked = [
      { providerId: 'refused', endpoint: await closedPort() },
      { providerId: 'stalled', endpoint: await upstream('stall') },
      { providerId: 'broken', endpoint: await upstream('error500') },
      { providerId: 'good', endpoint: await upstream('ok') },
    ];
    const result = await forward('/v1/chat/completions', { model: 'm' }, ranked, options);
    expect(result.providerId).toBe('good');
    expect(result.attempts.map((a) => [a.providerId, a.outcome])).toEqual([
      ['refused', 'network_error'],
      ['stalled', 'timeout'],
      ['broken', 'server_error'],
      ['good', 'ok'],
    ]);
    expect(await text(result.body)).toBe('{"choices":[]}');
    result.finish(true, 10);
    expect(health.snapshot('broken')).toMatchObject({ failures: 1 });
    expect(health.snapshot('good')).toMatchObject({ successes: 1 });
  });

  it('returns a 4xx as is, without trying anyone else', async () => {
    const { options } = setup();
    const ranked = [
      { providerId: 'strict', endpoint: await upstream('badRequest') },
      { providerId: 'good', endpoint: await upstream('ok') },
    ];
    const result = await forward('/v1/chat/completions', {}, ranked, options);
    expect(result).toMatchObject({ providerId: 'strict', status: 400 });
    expect(result.attempts).toEqual([{ providerId: 'strict', outcome: 'client_error', status: 400 }]);
  });

  it('streams: retries when a stream dies before its first chunk, but not once tokens flowed', async () => {
    const { options, health } = setup({ stream: true });
    const ranked = [
      { providerId: 'silent', endpoint: await upstream('dieBeforeFirstChunk') },
      { providerId: 'flaky', endpoint: await upstream('dieMidStream') },
      { providerId: 'good', endpoint: await upstream('stream') },
    ];
    const result = await forward('/v1/chat/completions', { stream: true }, ranked, options);
    expect(result.providerId).toBe('flaky');
    expect(result.attempts.map((a) => a.outcome)).toEqual(['server_error', 'ok']);
    await expect(text(result.body)).rejects.toThrow();
    result.finish(false, 1);
    expect(health.snapshot('flaky').failures).toBe(1);

    const healthy = await forward('/v1/chat/completions', { stream: true }, ranked.slice(2), options);
    expect(await text(healthy.body)).toBe('data: {"token":"a"}\n\ndata: {"token":"b"}\n\ndata: [DONE]\n\n');
  });

  it('skips open breakers, stops at the attempt limit, and says who failed how', async () => {
    const { options, breakers } = setup({ maxAttempts: 2 });
    for (let i = 0; i < 5; i++) breakers.tryAcquire('tripped')?.failure();
    const ranked = [
      { providerId: 'tripped', endpoint: await upstream('ok') },
      { providerId: 'broken', endpoint: await upstream('error500') },
      { providerId: 'good', endpoint: await upstream('ok') },
    ];
    const failure = await forward('/v1/chat/completions', {}, ranked, options).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(NoUpstreamError);
    expect((failure as NoUpstreamError).attempts).toEqual([
      { providerId: 'tripped', outcome: 'breaker_open' },
      { providerId: 'broken', outcome: 'server_error', status: 500 },
    ]);
  });

  it('opens a breaker after five failed attempts in a row', async () => {
    const { options, breakers } = setup({ maxAttempts: 1 });
    const ranked = [{ providerId: 'broken', endpoint: await upstream('error500') }];
    for (let i = 0; i < 5; i++)
      await forward('/v1/chat/completions', {}, ranked, options).catch(() => undefined);
    expect(breakers.state('broken')).toBe('open');
  });
});
