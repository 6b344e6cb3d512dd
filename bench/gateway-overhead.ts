import { join } from 'node:path';
import {
  benchRoot,
  type LoadResult,
  load,
  report,
  type Server,
  startGateway,
  startProcess,
} from './harness.ts';

const referenceServer = (file: string) =>
  startProcess(['--import', 'tsx', join(benchRoot, 'bench/servers', file)], {}, (line) =>
    line.startsWith('listening ') ? line.slice('listening '.length).trim() : undefined,
  );

/**
 * GET /healthz through the gateway's full middleware stack (request id, secure headers, logging,
 * metrics, body limit, routing) against a bare node:http server answering the same body, with plain
 * Hono in between to show how much is the framework and how much is ours. Rounds alternate between
 * the servers so that drift on a shared machine hits all alike; the best round of each is reported.
 */
export async function gatewayOverhead(seconds = Number(process.env.BENCH_SECONDS ?? 5), rounds = 3) {
  const targets: Array<{ name: string; server: Server; path: string }> = [
    { name: 'bare', server: await referenceServer('bare-http.ts'), path: '/' },
    { name: 'hono', server: await referenceServer('plain-hono.ts'), path: '/healthz' },
    { name: 'gateway', server: await startGateway(), path: '/healthz' },
  ];
  try {
    const runs = new Map<string, LoadResult[]>(targets.map(({ name }) => [name, []]));
    for (const { server, path } of targets) await load(`${server.url}${path}`, 1);
    for (let round = 0; round < rounds; round++) {
      for (const { name, server, path } of targets)
        runs.get(name)?.push(await load(`${server.url}${path}`, seconds));
    }
    const best = (name: string) =>
      (runs.get(name) ?? []).reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));
    const [bare, hono, gateway] = [best('bare'), best('hono'), best('gateway')];
    const ratio = (result: LoadResult) =>
      Number((result.requestsPerSecond / bare.requestsPerSecond).toFixed(3));
    report('gateway-overhead', {
      what: 'GET /healthz, 32 keep-alive connections, best of alternating rounds',
      seconds,
      rounds,
      baseline: bare,
      hono,
      gateway,
      honoRatio: ratio(hono),
      ratio: ratio(gateway),
      aim: 'ratio >= 0.6',
    });
  } finally {
    for (const { server } of targets) await server.stop();
  }
}
