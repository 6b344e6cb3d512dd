import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { cliPath, runCli } from './support/gateway-process.ts';

const run = promisify(execFile);
/** The folder the banner's commands are meant to be pasted in (`node bin/parley.js …`). */
const repoRoot = dirname(dirname(cliPath));

/** `npm start` as a user runs it: `parley demo`, until it has printed its banner. */
async function startDemo(dataDir: string) {
  const child = spawn(process.execPath, [cliPath, 'demo'], {
    cwd: repoRoot,
    env: { ...process.env, PARLEY_PORT: '0', PARLEY_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const banner = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      stdout += String(chunk);
      if (stdout.includes('Ctrl-C stops both.')) resolve(stdout);
    });
    exited.then((code) => reject(new Error(`parley demo exited with ${code}: ${stderr}`)));
  });
  return {
    banner,
    output: () => stdout,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The banner's indented block that starts with `first` and ends before the next blank line. */
function block(banner: string, first: string): string {
  const lines = banner.split('\n');
  const start = lines.findIndex((line) => line.trimStart().startsWith(first));
  expect(start, `the banner shows "${first}"`).toBeGreaterThan(-1);
  const end = lines.findIndex((line, i) => i > start && line.trim() === '');
  return lines
    .slice(start, end)
    .map((line) => line.slice(2))
    .join('\n');
}

/** Runs the printed curl command exactly as printed and returns the stream's `parley` billing. */
async function pasteCurl(banner: string) {
  const { stdout } = await run('sh', ['-c', block(banner, 'curl -N')], { cwd: repoRoot });
  const events = stdout
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => line.slice('data: '.length));
  expect(events.at(-1)).toBe('[DONE]');
  const last = JSON.parse(events.at(-2) ?? '{}');
  expect(last.choices[0].finish_reason).toMatch(/^(stop|length)$/);
  return last.parley as { cost: string; receipt: { channelId: string; signature: string } };
}

interface ChannelView {
  charged: string;
}

const running: Array<{ stop(): Promise<number | null> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((demo) => demo.stop()));
});

function urlOf(banner: string): string {
  const url = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1];
  expect(url, 'the banner names the gateway URL').toBeDefined();
  return url as string;
}

async function channelAt(banner: string, channelId: string): Promise<ChannelView> {
  return (await (await fetch(`${urlOf(banner)}/v1/channels/${channelId}`)).json()) as ChannelView;
}

describe('npm start (parley demo), as a user runs it', () => {
  it('starts gateway, provider and a funded agent whose printed commands stream paid completions, and again after a restart on another port', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-demo-'));
    const first = await startDemo(dataDir);
    running.push(first);
    expect(first.banner).toContain('Generating the demo model');

    const viaCurl = await pasteCurl(first.banner);
    expect(viaCurl.receipt.signature).toMatch(/^[0-9a-f]{128}$/);

    // The openai snippet, pasted into node in the same folder.
    const snippet = block(first.banner, "import OpenAI from 'openai';");
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', snippet], { cwd: repoRoot });
    expect(stdout).toContain('receipt:');

    // Both requests were paid from the demo agent's channel, which was charged for them and no more.
    const agent = JSON.parse(readFileSync(join(dataDir, 'demo-agent.json'), 'utf8')) as { channelId: string };
    expect(viaCurl.receipt.channelId).toBe(agent.channelId);
    const charged = BigInt((await channelAt(first.banner, agent.channelId)).charged);
    expect(charged).toBeGreaterThan(BigInt(viaCurl.cost));
    const firstProviders = (
      (await (await fetch(`${urlOf(first.banner)}/v1/providers`)).json()) as { data: Array<{ id: string }> }
    ).data;
    expect(firstProviders).toHaveLength(1);
    expect(await first.stop()).toBe(0);
    expect(first.output()).toContain('SIGTERM: stopping');

    // Port 0 again gives another port: the model, the provider's identity and the agent (its
    // channel and what it was charged) are all reused.
    const second = await startDemo(dataDir);
    running.push(second);
    expect(second.banner).not.toContain('Generating the demo model');
    const again = await pasteCurl(second.banner);
    expect(again.receipt.channelId).toBe(agent.channelId);
    const after = await channelAt(second.banner, agent.channelId);
    expect(BigInt(after.charged)).toBe(charged + BigInt(again.cost));
    // The provider moved to a new port under the same record (and stake): one provider, not two.
    const providers = (await (await fetch(`${urlOf(second.banner)}/v1/providers`)).json()) as {
      data: Array<{ id: string; status: string }>;
    };
    expect(providers.data).toEqual([
      expect.objectContaining({ id: firstProviders[0]?.id, status: 'active' }),
    ]);
    expect(await second.stop()).toBe(0);
  }, 120_000);

  it('parley voucher says what is wrong with the agent file it was given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-voucher-'));
    const voucher = (file: string) => runCli(['voucher', '--agent', file, '--amount', '0.01']);
    const missing = await voucher(join(dir, 'nope.json'));
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining('cannot read the agent file') });
    writeFileSync(join(dir, 'text.json'), 'not json');
    expect((await voucher(join(dir, 'text.json'))).stderr).toContain('is not JSON');
    writeFileSync(join(dir, 'other.json'), '{"gateway":"http://127.0.0.1:1"}');
    const other = await voucher(join(dir, 'other.json'));
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('is not an agent file as `parley demo` writes it: did:');
    expect((await runCli(['voucher', '--amount', 'lots'])).code).toBe(2);
  });
});
