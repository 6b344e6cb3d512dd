import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { type Server, startProcess } from './process.ts';

export { report } from './report.ts';
export { type Server, startProcess };

export interface LoadResult {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  errors: number;
  non2xx: number;
}

export interface LoadRequest {
  method?: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
}

/** Drives `url` with autocannon for `seconds` over `connections` keep-alive connections. */
export async function load(
  url: string,
  seconds: number,
  connections = 32,
  request: LoadRequest = {},
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    pipelining: 1,
    ...(request.method ? { method: request.method } : {}),
    ...(request.body ? { body: request.body } : {}),
    ...(request.headers ? { headers: request.headers } : {}),
  });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

const root = fileURLToPath(new URL('..', import.meta.url));

/** The real `parley gateway` on a free port with a fresh data dir, logging at info like production. */
export function startGateway(env: Record<string, string> = {}): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  return startProcess(
    [join(root, 'bin/parley.js'), 'gateway'],
    { PARLEY_PORT: '0', PARLEY_DATA_DIR: dataDir, PARLEY_LOG_LEVEL: 'info', ...env },
    (line) => (line.includes('"gateway listening"') ? (JSON.parse(line) as { url: string }).url : undefined),
  );
}

export const benchRoot = root;
