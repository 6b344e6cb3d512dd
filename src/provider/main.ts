import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { readKeyFile, writeNewKeyFile } from '../identity/index.ts';
import { parleyVersion } from '../shared/index.ts';
import { defaultSimMeasurement, type TeePlatform, teePlatformSchema } from '../tee/index.ts';
import { commandEvidence, simAttester, type TeeSettings } from './attester.ts';
import { createProgressWriter, type DownloadProgress, downloadModel } from './download/index.ts';
import { serveDownloadStatus } from './download-status.ts';
import { createLlamaEngine, createLlamaServerEngine, maxCapacity } from './engine/index.ts';
import { GatewayClient } from './gateway-client.ts';
import { randomModelPresets } from './gguf/index.ts';
import { downloadName, obtainModel } from './model-source.ts';
import { startProviderNode } from './node.ts';
import { publishedModel } from './registration.ts';

export const providerUsage = `parley provider [options]

Serves a GGUF model with llama.cpp (node-llama-cpp; GPU when available) behind an OpenAI-compatible
API, and registers it with a gateway under the node's own DID.

Model (one of):
  --model PATH             a GGUF file
  --generate PRESET        write a random model once (tiny, demo, 200m-f16, 1b-q8_0) into the data dir
  --model-url URL          download (resumable) into the data dir; needs --sha256, or a --gateway
                           whose registry lists the model (its hash is then checked)
Options:
  --sha256 HEX             expected SHA-256 of the weights (checked before the model is served)
  --seed N                 seed for --generate (default 1)
  --model-id ID            id to serve and publish (default: the file name without .gguf)
  --gateway URL            register with this gateway and heartbeat (omit to serve standalone)
  --host HOST              listen address (default 127.0.0.1)
  --port PORT              listen port (default 8081; 0 = any free port)
  --public-url URL         how the gateway reaches this node (default http://HOST:PORT)
  --data-dir DIR           key, state and models (default ./data/provider)
  --capacity N             parallel sequences (default 4, at most 256)
  --price ATOMIC           TNZO atomic units per token when this node publishes the model (default 1000000000000)
  --min-stake ATOMIC       minimum stake when publishing (default: the category minimum)
  --stake ATOMIC           stake to keep bonded from the node's balance (default 0)
  --faucet                 top the balance up from the gateway's development faucet for the stake
  --gpu MODE               auto, cpu, cuda, vulkan or metal (default auto)
  --threads N              CPU threads (default: node-llama-cpp's choice)
  --backend B              node-llama-cpp (default, in process) or llama-server (a supervised process)
  --llama-server-bin PATH  the llama-server binary for --backend llama-server
                           (npm run build:llama-server builds one for this CPU)
  --tee-platform P         attest in a TEE: sev-snp, tdx, nitro or nvidia (needs --tee-evidence-command),
                           or sim: DEVELOPMENT ONLY, forgeable, for gateways run with PARLEY_TEE_SIM=true
  --tee-evidence-command C shell command printing evidence (base64 or raw) over $PARLEY_TEE_REPORT_DATA
  --tee-certificates FILE  PEM chain the evidence does not carry (SEV-SNP VCEK chain, NVIDIA)
  --tee-sim-measurement H  the code hash sim evidence reports (96 hex digits; default from the version)`;

const options = {
  model: { type: 'string' },
  generate: { type: 'string' },
  'model-url': { type: 'string' },
  sha256: { type: 'string' },
  seed: { type: 'string', default: '1' },
  'model-id': { type: 'string' },
  gateway: { type: 'string' },
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '8081' },
  'public-url': { type: 'string' },
  'data-dir': { type: 'string', default: './data/provider' },
  capacity: { type: 'string', default: '4' },
  price: { type: 'string', default: '1000000000000' },
  'min-stake': { type: 'string' },
  stake: { type: 'string', default: '0' },
  faucet: { type: 'boolean', default: false },
  gpu: { type: 'string', default: 'auto' },
  threads: { type: 'string' },
  backend: { type: 'string', default: 'node-llama-cpp' },
  'llama-server-bin': { type: 'string' },
  'tee-platform': { type: 'string' },
  'tee-evidence-command': { type: 'string' },
  'tee-certificates': { type: 'string' },
  'tee-sim-measurement': { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ args: string[]; options: typeof options }>>['values'];

/** `parley provider`: resolves to an exit code (2 for bad options, 1 when it cannot start). */
export async function runProvider(args: string[]): Promise<number> {
  let values: Values;
  try {
    values = parseArgs({ args, options }).values;
  } catch (error) {
    process.stderr.write(`parley provider: ${(error as Error).message}\n`);
    return 2;
  }
  const problem = checkOptions(values);
  if (problem) {
    process.stderr.write(`parley provider: ${problem}\n`);
    return 2;
  }
  const logger = pino({ base: { service: 'parley-provider' } });
  const dataDir = resolve(values['data-dir']);
  mkdirSync(join(dataDir, 'models'), { recursive: true, mode: 0o700 });
  let node: Awaited<ReturnType<typeof startProviderNode>>;
  try {
    let port = Number(values.port);
    const { path: modelPath, sha256 } = await obtainModel(
      {
        model: values.model,
        generate: values.generate,
        seed: values.seed,
        modelUrl: values['model-url'],
        sha256: await expectedSha256(values, dataDir),
      },
      dataDir,
      async (url, destination, expectedSha256) => {
        // The port answers during the download (progress in /v1/provider/info); the node keeps it.
        const status = await serveDownloadStatus({
          host: values.host,
          port,
          modelId: values['model-id'] ?? modelIdOf(destination),
          sha256: expectedSha256,
        });
        port = status.port;
        logger.info({ url: `http://${values.host}:${port}`, from: url }, 'downloading the model');
        const progress = createProgressWriter(process.stderr);
        try {
          const onProgress = (p: DownloadProgress) => {
            progress.update(p);
            status.update(p);
          };
          return (await downloadModel({ url, destination, expectedSha256, onProgress })).path;
        } finally {
          progress.finish();
          await status.close();
        }
      },
      (path) =>
        logger.warn(
          { path },
          'the model file does not match --sha256 (another version?): downloading it again',
        ),
    );
    const common = {
      modelPath,
      modelId: values['model-id'] ?? modelIdOf(modelPath),
      ...(sha256 ? { sha256 } : {}),
      capacity: Number(values.capacity),
      ...(values.threads ? { threads: Number(values.threads) } : {}),
    };
    const engine =
      values.backend === 'llama-server'
        ? await createLlamaServerEngine({
            ...common,
            binary: values['llama-server-bin'] as string,
            gpu: values.gpu !== 'cpu',
            onEvent: (event) =>
              logger[event.type === 'ready' || event.type === 'restarting' ? 'info' : 'warn'](
                event,
                `llama-server ${event.type}`,
              ),
            onLog: (line) => logger.debug({ line }, 'llama-server'),
          })
        : await createLlamaEngine({
            ...common,
            gpu: values.gpu === 'cpu' ? false : (values.gpu as 'auto' | 'cuda' | 'vulkan' | 'metal'),
          });
    logger.info({ model: engine.model.id, sha256: engine.model.sha256, ...engine.stats() }, 'model loaded');
    node = await startProviderNode({
      engine,
      host: values.host,
      port,
      ...(values['public-url'] ? { publicUrl: values['public-url'] } : {}),
      ...(values.gateway
        ? {
            gateway: {
              url: values.gateway,
              key: nodeKey(dataDir),
              statePath: join(dataDir, 'provider-state.json'),
              name: `parley-provider ${engine.model.id}`,
              pricePerToken: BigInt(values.price),
              ...(values['min-stake'] ? { minStake: BigInt(values['min-stake']) } : {}),
              stake: BigInt(values.stake),
              ...(values.faucet ? { faucet: true } : {}),
              heartbeatMs: 30_000,
              ...(values['tee-platform'] ? { tee: teeSettings(values) } : {}),
            },
          }
        : {}),
      logger,
      version: parleyVersion,
    });
  } catch (error) {
    const details = (error as { details?: Record<string, unknown> }).details;
    const reason = details && Object.keys(details).length > 0 ? ` ${JSON.stringify(details)}` : '';
    process.stderr.write(`parley provider: ${(error as Error).message}${reason}\n`);
    return 1;
  }
  logger.info({ url: node.url, providerId: node.providerId, did: node.did }, 'provider listening');
  const signal = await new Promise<NodeJS.Signals>((done) => {
    process.once('SIGTERM', () => done('SIGTERM'));
    process.once('SIGINT', () => done('SIGINT'));
  });
  logger.info({ signal }, 'draining');
  await node.close(30_000);
  logger.info('stopped');
  return 0;
}

function teeSettings(values: Values): TeeSettings {
  const platform = values['tee-platform'] as TeePlatform;
  if (platform === 'sim') {
    const measurement = values['tee-sim-measurement'];
    return {
      platform,
      evidence: simAttester(
        measurement ? Buffer.from(measurement, 'hex') : defaultSimMeasurement(parleyVersion),
      ),
    };
  }
  const certificates = values['tee-certificates'];
  return {
    platform,
    evidence: commandEvidence(
      values['tee-evidence-command'] as string,
      certificates ? readFileSync(certificates, 'utf8') : undefined,
    ),
  };
}

function checkOptions(values: Values): string | undefined {
  const sources = [values.model, values.generate, values['model-url']].filter((v) => v !== undefined);
  if (sources.length !== 1) return 'give exactly one of --model, --generate or --model-url';
  if (values.generate && !(values.generate in randomModelPresets))
    return `--generate takes one of ${Object.keys(randomModelPresets).join(', ')}`;
  if (values['model-url'] && !values.sha256 && !values.gateway)
    return '--model-url needs --sha256 (the weights are verified), or --gateway whose registry lists the model';
  if (values.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(values.sha256))
    return '--sha256 takes the 64 hexadecimal characters of a SHA-256';
  const ranges = {
    capacity: [1, maxCapacity],
    port: [0, 65535],
    seed: [0, 2 ** 32 - 1],
    threads: [1, 1024],
  } as const;
  for (const [name, [least, most]] of Object.entries(ranges)) {
    const value = values[name as keyof typeof ranges];
    if (value !== undefined && !(/^\d+$/.test(value) && Number(value) >= least && Number(value) <= most))
      return `--${name} takes a whole number from ${least} to ${most}`;
  }
  for (const name of ['gateway', 'public-url'] as const) {
    const value = values[name];
    if (value !== undefined && !URL.canParse(value)) return `--${name} takes a URL (http://host:port)`;
  }
  for (const name of ['price', 'stake', 'min-stake'] as const) {
    const value = values[name];
    if (value !== undefined && !/^\d+$/.test(value)) return `--${name} takes atomic units (a whole number)`;
  }
  if (values.backend !== 'node-llama-cpp' && values.backend !== 'llama-server')
    return '--backend takes node-llama-cpp or llama-server';
  if (values.backend === 'llama-server' && !values['llama-server-bin'])
    return '--backend llama-server needs --llama-server-bin PATH (on a CPU machine: npm run build:llama-server)';
  if (values['llama-server-bin'] && !existsSync(values['llama-server-bin']))
    return `no llama-server binary at ${values['llama-server-bin']}`;
  const tee = values['tee-platform'];
  if (tee && !teePlatformSchema.options.includes(tee as TeePlatform))
    return `--tee-platform takes ${teePlatformSchema.options.join(', ')}`;
  if (tee && !values.gateway) return '--tee-platform needs --gateway';
  if (tee && tee !== 'sim' && !values['tee-evidence-command'])
    return `--tee-platform ${tee} needs --tee-evidence-command`;
  const measurement = values['tee-sim-measurement'];
  if (measurement && (tee !== 'sim' || !/^[0-9a-f]{96}$/.test(measurement)))
    return '--tee-sim-measurement takes 96 lowercase hex digits, with --tee-platform sim';
  if (!['auto', 'cpu', 'cuda', 'vulkan', 'metal'].includes(values.gpu))
    return '--gpu takes auto, cpu, cuda, vulkan or metal';
  return undefined;
}

/**
 * The SHA-256 the weights must have. A `--model-url` model that the gateway's registry lists is
 * checked against the registry before anything is downloaded (the gateway would refuse other
 * weights under that id at registration), and `--sha256` may then be left out.
 */
async function expectedSha256(values: Values, dataDir: string): Promise<string | undefined> {
  const given = values.sha256?.toLowerCase();
  const url = values['model-url'];
  if (!url || !values.gateway) return given;
  const id = values['model-id'] ?? modelIdOf(downloadName(url));
  const listed = await publishedModel(new GatewayClient(values.gateway, nodeKey(dataDir)), id);
  if (!listed) {
    if (given) return given;
    throw new Error(`--model-url needs --sha256: the gateway at ${values.gateway} lists no model ${id}`);
  }
  if (given && given !== listed.sha256)
    throw new Error(
      `the gateway lists ${id} with weights ${listed.sha256}, not the ${given} of --sha256; serve it under another --model-id`,
    );
  return listed.sha256;
}

/** The node's signing key, created on first start (owner-only file in the data dir). */
function nodeKey(dataDir: string) {
  const path = join(dataDir, 'provider-key.json');
  if (!existsSync(path)) writeNewKeyFile(path);
  const { did, secretKey } = readKeyFile(path);
  return { didKey: did, secretKey };
}

const modelIdOf = (path: string) => basename(path).replace(/\.gguf$/i, '');
