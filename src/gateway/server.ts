import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

export interface RunningServer {
  port: number;
  /** Stops accepting, lets in-flight requests finish for up to `timeoutMs`, then cuts the rest. */
  close(timeoutMs: number): Promise<void>;
}

/** Listens on host:port; rejects with a one-line reason (such as a port in use) instead of crashing. */
export function listen(
  app: { fetch: Parameters<typeof serve>[0]['fetch'] },
  host: string,
  port: number,
): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }) as Server;
    server.once('error', (error: NodeJS.ErrnoException) => {
      const reason =
        error.code === 'EADDRINUSE'
          ? `port ${port} on ${host} is already in use (set PARLEY_PORT to another port)`
          : error.code === 'EACCES'
            ? `no permission to listen on ${host}:${port}`
            : error.code === 'EADDRNOTAVAIL'
              ? `${host} is not an address of this machine (check PARLEY_HOST)`
              : `cannot listen on ${host}:${port}: ${error.message}`;
      reject(new Error(reason));
    });
    server.once('listening', () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        close: (timeoutMs) => closeGracefully(server, timeoutMs),
      });
    });
  });
}

function closeGracefully(server: Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const deadline = setTimeout(() => server.closeAllConnections(), timeoutMs);
    deadline.unref();
    server.close(() => {
      clearTimeout(deadline);
      resolve();
    });
    server.closeIdleConnections();
  });
}
