import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

// A second reference: Hono on @hono/node-server with no middleware, the floor under the gateway's stack.
const app = new Hono();
app.get('/healthz', (c) => c.json({ status: 'ok' }, 200));
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
  process.stdout.write(`listening http://127.0.0.1:${info.port}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
