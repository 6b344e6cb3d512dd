import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cpuMicros, type Server, startProcess } from '../process.ts';
import { type Payer, payer } from './payer.ts';
import type { Backend } from './settings.ts';

export interface StackOptions {
  /** How to run `parley`: node arguments before the command (the CLI script, or this bundle). */
  parley: string[];
  dataDir: string;
  backend: Backend;
  modelPath: string;
  modelId: string;
  capacity: number;
  gpu: 'auto' | 'cpu' | 'cuda' | 'vulkan' | 'metal';
  threads: number | undefined;
  llamaServerBinary: string | undefined;
}

/** `parley gateway` and `parley provider` as separate processes, as deployed, and a paying agent. */
export interface PaidStack {
  providerUrl: string;
  gatewayUrl: string;
  /** CPU time so far of the gateway and provider processes (µs). */
  cpu(): { gateway: number | undefined; provider: number | undefined };
  payer: Payer;
  stop(): Promise<void>;
}

export async function startPaidStack(options: StackOptions): Promise<PaidStack> {
  const gatewayDir = join(options.dataDir, 'gateway');
  const providerDir = join(options.dataDir, 'provider');
  mkdirSync(gatewayDir, { recursive: true });
  mkdirSync(providerDir, { recursive: true });
  const started: Server[] = [];
  try {
    const gateway = await startProcess(
      [...options.parley, 'gateway'],
      {
        PARLEY_PORT: '0',
        PARLEY_DATA_DIR: gatewayDir,
        PARLEY_LOG_LEVEL: 'info', // as in production; also how the URL is learned
        PARLEY_ALLOW_PRIVATE_PROVIDERS: 'true',
        PARLEY_UPSTREAM_TIMEOUT_MS: '600000',
      },
      listeningUrl('gateway listening'),
    );
    started.push(gateway);
    const provider = await startProcess(
      [
        ...options.parley,
        'provider',
        ...['--model', options.modelPath, '--model-id', options.modelId],
        ...['--gateway', gateway.url, '--port', '0', '--data-dir', providerDir],
        ...['--capacity', String(options.capacity), '--gpu', options.gpu],
        ...['--price', String(10n ** 9n), '--min-stake', '0', '--stake', '0'],
        ...['--backend', options.backend],
        ...(options.llamaServerBinary ? ['--llama-server-bin', options.llamaServerBinary] : []),
        ...(options.threads ? ['--threads', String(options.threads)] : []),
      ],
      {},
      listeningUrl('provider listening'),
    );
    started.push(provider);
    return {
      providerUrl: provider.url,
      gatewayUrl: gateway.url,
      cpu: () => ({ gateway: cpuMicros(gateway.pid), provider: cpuMicros(provider.pid) }),
      payer: await payer(gateway.url, join(providerDir, 'agent.json'), options.capacity),
      stop: async () => {
        for (const server of started.reverse()) await server.stop();
      },
    };
  } catch (error) {
    for (const server of started.reverse()) await server.stop();
    throw error;
  }
}

/** The `url` of the pino line whose message is `message`. */
function listeningUrl(message: string) {
  return (line: string) =>
    line.includes(`"${message}"`) ? (JSON.parse(line) as { url: string }).url : undefined;
}
