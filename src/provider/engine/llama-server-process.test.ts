import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../../test/support/until.ts';
import { randomModelPresets, writeRandomModel } from '../gguf/index.ts';
import {
  LlamaServerProcess,
  type LlamaServerProcessOptions,
  listDevices,
  parseDeviceList,
  type SupervisorEvent,
} from './llama-server-process.ts';

/**
 * The supervisor of the llama-server backend. Failed starts need no llama-server (any program that
 * exits or never answers); restarts after a crash or a hang run against a real binary, when
 * PARLEY_LLAMA_SERVER_BIN points at one (CI builds it: scripts/build-llama-server.sh).
 */
const binary = process.env.PARLEY_LLAMA_SERVER_BIN;
// Set but wrong (a failed build) fails these tests rather than skipping them.
const available = Boolean(binary);
const directory = mkdtempSync(join(tmpdir(), 'parley-llama-process-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const path = join(directory, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

function supervisor(options: Partial<LlamaServerProcessOptions> & { binary: string }) {
  const events: SupervisorEvent[] = [];
  const process = new LlamaServerProcess({
    modelPath: join(directory, 'model.gguf'),
    slots: 1,
    contextSize: 256,
    gpuLayers: 0,
    threads: 1,
    startTimeoutMs: 60_000,
    onEvent: (event) => events.push(event),
    ...options,
  });
  return { process, events };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('LlamaServerProcess: failed starts', () => {
  it('rejects with the exit code and the log tail when the server exits while loading', async () => {
    const { process: server } = supervisor({
      binary: script('exits.sh', 'echo "bad model file" >&2; exit 3'),
    });
    await expect(server.start()).rejects.toMatchObject({
      code: 'MODEL_LOAD_FAILED',
      details: { reason: 'llama-server exited with 3', log: expect.stringContaining('bad model file') },
    });
    await expect(server.whenReady(100)).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
  });

  it('kills a server that is not healthy in time, leaving nothing running', async () => {
    const { process: server } = supervisor({
      binary: script('silent.sh', 'exec sleep 60'),
      startTimeoutMs: 500,
    });
    await expect(server.start()).rejects.toMatchObject({
      code: 'MODEL_LOAD_FAILED',
      details: { reason: 'llama-server was not healthy within 500 ms' },
    });
    expect(server.pid).toBeGreaterThan(0);
    expect(alive(server.pid as number)).toBe(false);
  });

  it('names a binary that cannot be started', async () => {
    const { process: server } = supervisor({ binary: join(directory, 'missing-llama-server') });
    await expect(server.start()).rejects.toMatchObject({
      code: 'MODEL_LOAD_FAILED',
      details: { reason: expect.stringContaining('ENOENT') },
    });
  });
});

describe('listDevices', () => {
  it("reads the GPUs and their memory from llama-server's --list-devices", async () => {
    const cuda = [
      'Available devices:',
      '  CUDA0: NVIDIA H100 80GB HBM3 (81079 MiB, 80562 MiB free)',
      '  Vulkan1: AMD Radeon RX 7900 XTX (RADV NAVI31) (24560 MiB, 24000 MiB free)',
      '',
    ].join('\n');
    expect(parseDeviceList(cuda)).toEqual([
      { name: 'NVIDIA H100 80GB HBM3', vramBytes: 81079 * 2 ** 20 },
      { name: 'AMD Radeon RX 7900 XTX (RADV NAVI31)', vramBytes: 24560 * 2 ** 20 },
    ]);
    expect(parseDeviceList('Available devices:\n  (none)\n')).toEqual([]);
    await expect(listDevices(join(directory, 'missing-llama-server'))).rejects.toMatchObject({
      code: 'MODEL_LOAD_FAILED',
    });
    // A CPU build (as CI's) has none.
    if (available) expect(await listDevices(binary as string)).toEqual([]);
  });
});

describe.skipIf(!available)('LlamaServerProcess: supervision (PARLEY_LLAMA_SERVER_BIN)', () => {
  beforeAll(() => {
    writeRandomModel(join(directory, 'model.gguf'), { ...randomModelPresets.tiny, seed: 1 });
  });
  const health = async (url: string) => (await fetch(`${url}/health`)).status;

  it('starts a server that died again, on a new process', async () => {
    const { process: server, events } = supervisor({ binary: binary as string, restartDelayMs: 50 });
    await server.start();
    const first = server.pid as number;
    expect(await health(server.url)).toBe(200);
    process.kill(first, 'SIGKILL');
    await until(() => !server.isHealthy);
    await expect(server.whenReady(1)).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
    await server.whenReady(60_000);
    expect(server.pid).not.toBe(first);
    expect(await health(server.url)).toBe(200);
    expect(events.map((event) => event.type)).toEqual(['ready', 'exited', 'restarting', 'ready']);
    expect(events[1]).toMatchObject({ signal: 'SIGKILL' });
    await server.stop();
    expect(alive(server.pid as number)).toBe(false);
    await expect(server.whenReady(100)).rejects.toMatchObject({ code: 'ENGINE_CLOSED' });
  }, 120_000);

  it('keeps trying with a doubling delay while restarts fail, and is ready again once one works', async () => {
    const broken = join(directory, 'broken');
    const wrapper = script(
      'flaky.sh',
      `[ -e ${broken} ] && { echo "the model file is gone" >&2; exit 1; }\nexec ${binary} "$@"`,
    );
    const { process: server, events } = supervisor({ binary: wrapper, restartDelayMs: 50 });
    await server.start();
    writeFileSync(broken, '');
    process.kill(server.pid as number, 'SIGKILL');
    await until(() => events.filter((event) => event.type === 'start-failed').length >= 3);
    rmSync(broken);
    await until(() => server.isHealthy);
    const restarts = events.filter((event) => event.type === 'restarting');
    expect(restarts.slice(0, 4)).toEqual([
      { type: 'restarting', attempt: 1, delayMs: 50 },
      { type: 'restarting', attempt: 2, delayMs: 100 },
      { type: 'restarting', attempt: 3, delayMs: 200 },
      { type: 'restarting', attempt: 4, delayMs: 400 },
    ]);
    expect(events.at(-1)?.type).toBe('ready');
    expect(events.find((event) => event.type === 'start-failed')).toEqual({
      type: 'start-failed',
      reason: 'llama-server exited with 1: the model file is gone',
    });
    // a later crash starts over from the first delay
    process.kill(server.pid as number, 'SIGKILL');
    await until(() => events.filter((event) => event.type === 'restarting').length > restarts.length);
    expect(events.at(-1)).toEqual({ type: 'restarting', attempt: 1, delayMs: 50 });
    await server.whenReady(60_000);
    await server.stop();
  }, 120_000);

  it('kills and restarts a server that stops answering its health checks', async () => {
    const { process: server, events } = supervisor({
      binary: binary as string,
      healthIntervalMs: 100,
      healthFailures: 3,
      restartDelayMs: 50,
    });
    await server.start();
    const hung = server.pid as number;
    process.kill(hung, 'SIGSTOP');
    await until(() => events.some((event) => event.type === 'unhealthy'));
    await server.whenReady(60_000);
    expect(alive(hung)).toBe(false);
    expect(server.pid).not.toBe(hung);
    expect(await health(server.url)).toBe(200);
    expect(events.map((event) => event.type)).toEqual([
      'ready',
      'unhealthy',
      'exited',
      'restarting',
      'ready',
    ]);
    await server.stop();
  }, 120_000);
});
