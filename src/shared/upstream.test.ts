import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpSend, readAll } from './upstream.ts';

let server: Server | undefined;
afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

/** Answers the first request on each connection; resets the connection on any later one. */
async function oneRequestPerConnection(): Promise<{ url: URL; connections: () => number }> {
  let connections = 0;
  const served = new WeakMap<object, number>();
  server = createServer((request, response) => {
    const count = (served.get(request.socket) ?? 0) + 1;
    served.set(request.socket, count);
    if (count > 1) {
      request.socket.destroy();
      return;
    }
    request.resume();
    request.on('end', () => response.end(`{"connection":${connections}}`));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((listening) => server?.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  return { url: new URL(`http://127.0.0.1:${port}/v1/completions`), connections: () => connections };
}

describe('httpSend', () => {
  it('posts JSON over a kept-alive connection and reads the answer', async () => {
    const { url } = await oneRequestPerConnection();
    const signal = new AbortController().signal;
    const response = await httpSend(url, { body: '{}', accept: 'application/json', signal });
    expect(response.status).toBe(200);
    expect((await readAll(response.body)).toString()).toBe('{"connection":1}');
  });

  it('sends again on a new connection when a reused one is reset before any answer', async () => {
    const { url, connections } = await oneRequestPerConnection();
    const signal = new AbortController().signal;
    await readAll((await httpSend(url, { body: '{}', accept: 'application/json', signal })).body);
    // The pooled connection is reused and reset by the server; the retry opens a second one.
    const again = await httpSend(url, { body: '{}', accept: 'application/json', signal });
    expect(again.status).toBe(200);
    expect((await readAll(again.body)).toString()).toBe('{"connection":2}');
    expect(connections()).toBe(2);
  });
});
