import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the test server behaves; tests change it between requests. */
export interface ModelServerBehaviour {
  body: Buffer;
  etag?: string;
  /** false: answer every request with the whole file, as a server without Range support does. */
  honourRange?: boolean;
  /** false: send a range even when If-Range names an older version, as some servers do. */
  honourIfRange?: boolean;
  /** Per request (by index): answer with this status and no file. */
  statusFor?: Record<number, number>;
  /** Per request (by index): destroy the socket after this many body bytes. */
  cutAfter?: Record<number, number>;
  /** Per request (by index): send this many body bytes, then the rest once `until` resolves. */
  holdAfter?: Record<number, { bytes: number; until: Promise<void> }>;
}

export interface RecordedRequest {
  range: string | undefined;
  ifRange: string | undefined;
}

export interface ModelServer {
  url: string;
  requests: RecordedRequest[];
  behaviour: ModelServerBehaviour;
  close(): Promise<void>;
}

/** A real HTTP server on loopback that serves one file with Range, If-Range and ETag like a CDN. */
export async function startModelServer(behaviour: ModelServerBehaviour): Promise<ModelServer> {
  const requests: RecordedRequest[] = [];
  const server: ModelServer = {
    url: '',
    requests,
    behaviour,
    close: () =>
      new Promise((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
  const http = createServer((request, response) => {
    const index = requests.length;
    requests.push({ range: request.headers.range, ifRange: header(request, 'if-range') });
    serve(server.behaviour, index, request, response);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  server.url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/models/tiny.gguf`;
  return server;
}

function serve(
  behaviour: ModelServerBehaviour,
  index: number,
  request: IncomingMessage,
  response: ServerResponse,
): void {
  const { body, etag, honourRange = true, honourIfRange = true, statusFor = {} } = behaviour;
  const status = statusFor[index];
  if (status !== undefined) {
    response.writeHead(status, { 'content-type': 'text/plain' }).end('no model here');
    return;
  }
  const headers: Record<string, string | number> = { 'accept-ranges': 'bytes' };
  if (etag) headers.etag = etag;
  const match = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
  const ifRange = header(request, 'if-range');
  let start = 0;
  if (match && honourRange && (ifRange === undefined || ifRange === etag || !honourIfRange)) {
    start = Number(match[1]);
    if (start >= body.length) {
      response.writeHead(416, { ...headers, 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
  }
  response.writeHead(headers['content-range'] ? 206 : 200, {
    ...headers,
    'content-type': 'application/octet-stream',
    'content-length': body.length - start,
  });
  const hold = behaviour.holdAfter?.[index];
  if (hold) {
    response.write(body.subarray(start, start + hold.bytes));
    hold.until.then(() => response.end(body.subarray(start + hold.bytes)));
    return;
  }
  const cut = behaviour.cutAfter?.[index];
  if (cut === undefined) {
    response.end(body.subarray(start));
    return;
  }
  // Flush the first bytes, give the client a moment to read them (fetch drops bytes it has not read
  // yet when the socket dies), then drop the connection the way a failing network does.
  response.write(body.subarray(start, start + cut), () => {
    setTimeout(() => request.socket.destroy(), 20);
  });
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
