import { existsSync, mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pino } from 'pino';
import { type Config, ConfigError, loadConfig } from '../gateway/config.ts';
import { type StartedGateway, startGateway } from '../gateway/main.ts';
import { readKeyFile, writeNewKeyFile } from '../identity/index.ts';
import { createLlamaEngine } from '../provider/engine/index.ts';
import { randomModelPresets, writeRandomModel } from '../provider/gguf/index.ts';
import { type ProviderNode, startProviderNode } from '../provider/node.ts';
import { parleyVersion } from '../shared/index.ts';
import { ensureAgent } from './agent.ts';

const TNZO = 10n ** 18n;
export const demoModelId = 'parley-demo';

/**
 * `npm start`: the gateway with its embedded defaults (SQLite in the data dir), a provider node in
 * the same process serving a generated model (written once), a demo agent funded from the faucet
 * with an open payment channel, and ready-to-paste commands for a paid, streamed completion.
 */
export async function runDemo(env: NodeJS.ProcessEnv): Promise<number> {
  let config: Config;
  try {
    // The demo provider listens on loopback, so the gateway must accept private endpoints here.
    config = loadConfig({ PARLEY_LOG_LEVEL: 'warn', ...env, PARLEY_ALLOW_PRIVATE_PROVIDERS: 'true' });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`parley: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  let gateway: StartedGateway | undefined;
  let provider: ProviderNode | undefined;
  try {
    gateway = await startGateway(config);
    const dataDir = resolve(config.dataDir);
    const providerDir = join(dataDir, 'provider');
    mkdirSync(join(providerDir, 'models'), { recursive: true, mode: 0o700 });
    const modelPath = join(providerDir, 'models', `${demoModelId}.gguf`);
    if (!existsSync(modelPath)) {
      process.stdout.write(
        `Generating the demo model (${randomModelPresets.demo.weightType}) into ${modelPath} …\n`,
      );
      writeRandomModel(modelPath, { ...randomModelPresets.demo, seed: 1, name: demoModelId });
    }
    const engine = await createLlamaEngine({ modelPath, modelId: demoModelId, capacity: 4, gpu: 'auto' });
    const keyPath = join(providerDir, 'provider-key.json');
    if (!existsSync(keyPath)) writeNewKeyFile(keyPath);
    const key = readKeyFile(keyPath);
    provider = await startProviderNode({
      engine,
      host: '127.0.0.1',
      port: 0,
      gateway: {
        url: gateway.url,
        key: { didKey: key.did, secretKey: key.secretKey },
        statePath: join(providerDir, 'provider-state.json'),
        name: 'demo provider',
        pricePerToken: 10n ** 12n,
        minStake: 500n * TNZO,
        stake: 500n * TNZO,
        faucet: true,
        heartbeatMs: 30_000,
      },
      logger: pino({ level: config.logLevel, base: { service: 'parley-provider' } }),
      version: parleyVersion,
    });
    const agentPath = join(dataDir, 'demo-agent.json');
    const agent = await ensureAgent(agentPath, gateway.url, 100n * TNZO);
    process.stdout.write(banner(gateway.url, relative(process.cwd(), agentPath) || agentPath, agent.apiKey));
  } catch (error) {
    process.stderr.write(`parley: ${(error as Error).message}\n`);
    await provider?.close(1000);
    await gateway?.close();
    return 1;
  }
  const signal = await new Promise<NodeJS.Signals>((done) => {
    process.once('SIGTERM', () => done('SIGTERM'));
    process.once('SIGINT', () => done('SIGINT'));
  });
  process.stdout.write(`\n${signal}: stopping\n`);
  await provider.close(10_000);
  await gateway.close();
  return 0;
}

function banner(url: string, agentPath: string, apiKey: string): string {
  return `
Parley ${parleyVersion} is running at ${url}  (API docs: ${url}/docs)
  provider: model "${demoModelId}" (generated, llama.cpp), registered and staked
  demo agent: ${agentPath} (funded from the faucet, with an open payment channel)

Stream a paid completion (each call signs a fresh voucher for up to 0.01 TNZO):

  curl -N ${url}/v1/chat/completions \\
    -H "Authorization: Bearer ${apiKey}" \\
    -H "Content-Type: application/json" \\
    -H "Parley-Voucher: $(node bin/parley.js voucher --agent ${agentPath} --amount 0.01)" \\
    -d '{"model":"${demoModelId}","stream":true,"max_tokens":32,"messages":[{"role":"user","content":"Hello!"}]}'

The last chunk before [DONE] carries "parley": provider, price, cost and the signed receipt.

With the official openai client (node, in this folder):

  import OpenAI from 'openai';
  import { execFileSync } from 'node:child_process';
  const voucher = execFileSync('node', ['bin/parley.js', 'voucher', '--agent', '${agentPath}', '--amount', '0.01']).toString().trim();
  const openai = new OpenAI({ baseURL: '${url}/v1', apiKey: '${apiKey}' });
  const stream = await openai.chat.completions.create(
    { model: '${demoModelId}', stream: true, max_tokens: 32, messages: [{ role: 'user', content: 'Hello!' }] },
    { headers: { 'Parley-Voucher': voucher } },
  );
  for await (const chunk of stream) {
    process.stdout.write(chunk.choices[0]?.delta?.content ?? '');
    if (chunk.parley) console.log('\\nreceipt:', chunk.parley.receipt);
  }

Ctrl-C stops both.
`;
}
