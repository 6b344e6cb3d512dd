import { join } from 'node:path';
import { a2aBench } from './a2a.ts';
import { channelsBench } from './channels.ts';
import { gatewayOverhead } from './gateway-overhead.ts';
import { llamaBench } from './gpu/index.ts';
import { benchRoot } from './harness.ts';
import { identityBench } from './identity.ts';
import { inferenceBench } from './inference.ts';
import { mcpBench } from './mcp.ts';
import { routerBench } from './router.ts';
import { teeBench } from './tee.ts';

/** `npm run bench [-- name ...]`: runs the named benchmarks (all by default), one JSON line each. */
const benchmarks: Record<string, () => Promise<void>> = {
  'gateway-overhead': () => gatewayOverhead(),
  identity: () => identityBench(),
  channels: () => channelsBench(),
  router: () => routerBench(),
  inference: () => inferenceBench(),
  llama: () => llamaBench([join(benchRoot, 'bin/parley.js')]),
  mcp: () => mcpBench(),
  a2a: () => a2aBench(),
  tee: () => teeBench(),
};

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(name in benchmarks));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(benchmarks).join(', ')}\n`,
  );
  process.exit(2);
}
for (const name of requested.length > 0 ? requested : Object.keys(benchmarks)) {
  await benchmarks[name]?.();
}
