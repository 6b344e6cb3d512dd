import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { engineError } from './errors.ts';

export interface LlamaServerProcessOptions {
  binary: string;
  modelPath: string;
  /** Parallel slots (`--parallel`). */
  slots: number;
  /** Context tokens per slot; the server gets slots × this. */
  contextSize: number;
  /** Layers to offload to the GPU (`--n-gpu-layers`); 0 on CPU. */
  gpuLayers: number;
  threads?: number;
  startTimeoutMs: number;
  /** How often a running server's `/health` is asked (default 5 s)… */
  healthIntervalMs?: number;
  /** …and after how many failed answers in a row it is killed and restarted (default 3). */
  healthFailures?: number;
  /** Delay before the first restart; it doubles after each start that fails, up to 30 s (default 1 s). */
  restartDelayMs?: number;
  /** Told what the supervisor does (exits, health failures, restarts), and every line the server writes to stderr. */
  onEvent?: (event: SupervisorEvent) => void;
  onLog?: (line: string) => void;
}

export type SupervisorEvent =
  | { type: 'ready'; pid: number; url: string }
  | { type: 'exited'; code: number | null; signal: string | null }
  | { type: 'unhealthy'; failures: number }
  | { type: 'restarting'; attempt: number; delayMs: number }
  | { type: 'start-failed'; reason: string };

const maxRestartDelayMs = 30_000;

/**
 * A `llama-server` process the provider starts, health-checks and supervises: it listens on a free
 * loopback port and counts as ready once `/health` answers 200. While it runs, `/health` is asked
 * every few seconds; a server that dies, or stops answering (hung), is killed and started again,
 * with a backoff that doubles while starts keep failing, until `stop` is called.
 */
export class LlamaServerProcess {
  url = '';
  private child: ChildProcess | undefined;
  private stopping = false;
  private healthy = false;
  private ready: Promise<void> | undefined;
  private watcher: NodeJS.Timeout | undefined;
  private restarts = 0;

  constructor(private readonly options: LlamaServerProcessOptions) {}

  /** Starts the server and resolves once it is healthy; rejects (and leaves nothing running) if it cannot. */
  start(): Promise<void> {
    this.ready = this.launch();
    return this.ready;
  }

  /** True while the server runs and answers its health checks. */
  get isHealthy(): boolean {
    return this.healthy;
  }

  /**
   * Resolves at once while healthy, or when a restart in progress succeeds within `timeoutMs`;
   * otherwise rejects with ENGINE_UNAVAILABLE (or ENGINE_CLOSED once stopped).
   */
  whenReady(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.stopping || !this.ready) return Promise.reject(engineError('ENGINE_CLOSED'));
    if (this.healthy) return Promise.resolve();
    const unavailable = (reason: string) => engineError('ENGINE_UNAVAILABLE', { reason });
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(unavailable(`not restarted within ${timeoutMs} ms`)), timeoutMs);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', aborted);
      };
      const aborted = () => {
        done();
        reject(unavailable('request cancelled while waiting'));
      };
      signal?.addEventListener('abort', aborted, { once: true });
      this.ready?.then(
        () => {
          done();
          resolve();
        },
        (error: unknown) => {
          done();
          reject(unavailable(failureReason(error)));
        },
      );
    });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.healthy = false;
    clearInterval(this.watcher);
    const child = this.child;
    if (child) await terminate(child, 'SIGTERM');
  }

  private async launch(): Promise<void> {
    const { options } = this;
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    const args = [
      '--model',
      options.modelPath,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--parallel',
      String(options.slots),
      '--ctx-size',
      String(options.slots * options.contextSize),
      '--n-gpu-layers',
      String(options.gpuLayers),
      '--no-webui',
      ...(options.threads ? ['--threads', String(options.threads)] : []),
    ];
    const child = spawn(options.binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    let tail = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4000);
      for (const line of chunk.toString().split('\n')) if (line.trim()) options.onLog?.(line);
    });
    const failed = new Promise<never>((_, reject) => {
      child.once('error', (error) => reject(engineError('MODEL_LOAD_FAILED', { reason: error.message })));
      child.once('exit', (code) =>
        reject(engineError('MODEL_LOAD_FAILED', { reason: `llama-server exited with ${code}`, log: tail })),
      );
    });
    failed.catch(() => {});
    try {
      await Promise.race([this.waitHealthy(child), failed]);
    } catch (error) {
      await terminate(child, 'SIGKILL');
      throw error;
    }
    if (this.stopping) return terminate(child, 'SIGTERM');
    this.healthy = true;
    this.restarts = 0;
    options.onEvent?.({ type: 'ready', pid: child.pid as number, url: this.url });
    child.once('exit', (code, signal) => {
      this.healthy = false;
      clearInterval(this.watcher);
      if (this.stopping) return;
      options.onEvent?.({ type: 'exited', code, signal });
      this.restart();
    });
    this.watch(child);
  }

  /** Asks `/health` every interval; too many failures in a row kill the process (its exit restarts it). */
  private watch(child: ChildProcess): void {
    const interval = this.options.healthIntervalMs ?? 5000;
    const limit = this.options.healthFailures ?? 3;
    let failures = 0;
    let asking = false;
    this.watcher = setInterval(async () => {
      if (asking) return;
      asking = true;
      const ok = await this.healthAnswer(Math.min(interval, 3000));
      asking = false;
      if (child !== this.child || this.stopping) return;
      failures = ok ? 0 : failures + 1;
      if (failures < limit) return;
      clearInterval(this.watcher);
      this.healthy = false;
      this.options.onEvent?.({ type: 'unhealthy', failures });
      // Waiters wait for the restart that the exit starts (the exit handler sets `ready` first).
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      this.ready = exited.then(() => this.ready);
      child.kill('SIGKILL');
    }, interval);
    this.watcher.unref();
  }

  private restart(): void {
    const attempt = ++this.restarts;
    const delayMs = Math.min(maxRestartDelayMs, (this.options.restartDelayMs ?? 1000) * 2 ** (attempt - 1));
    this.options.onEvent?.({ type: 'restarting', attempt, delayMs });
    // Unreferenced: a node stopped during the backoff exits at once.
    this.ready = sleep(delayMs, undefined, { ref: false }).then(() => {
      if (this.stopping) throw engineError('ENGINE_CLOSED');
      return this.launch();
    });
    this.ready.catch((error: unknown) => {
      if (this.stopping) return;
      this.options.onEvent?.({ type: 'start-failed', reason: failureReason(error) });
      this.restart();
    });
  }

  private async waitHealthy(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + this.options.startTimeoutMs;
    while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
      if (await this.healthAnswer(1000)) return;
      await sleep(100);
    }
    throw engineError('MODEL_LOAD_FAILED', {
      reason: `llama-server was not healthy within ${this.options.startTimeoutMs} ms`,
    });
  }

  private async healthAnswer(timeoutMs: number): Promise<boolean> {
    try {
      const response = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
      await response.body?.cancel();
      return response.ok;
    } catch {
      return false; // not listening (yet), or no answer in time
    }
  }
}

/** What went wrong, in words: an engine error's own reason (and the server's last words), else the message. */
function failureReason(error: unknown): string {
  const details = (error as { details?: { reason?: unknown; log?: unknown } }).details;
  if (typeof details?.reason !== 'string') return error instanceof Error ? error.message : String(error);
  const log = typeof details.log === 'string' ? details.log.trim().split('\n').at(-1) : undefined;
  return log ? `${details.reason}: ${log}` : details.reason;
}

/** Signals the process and waits for it to exit (SIGKILL after 5 s). */
async function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(killer);
}

/**
 * The GPUs a llama-server binary can use, from its `--list-devices` (one `  NAME: DESCRIPTION (TOTAL
 * MiB, FREE MiB free)` line per non-CPU device, or `(none)`), as the provider reports them.
 */
export function listDevices(binary: string): Promise<Array<{ name: string; vramBytes: number }>> {
  return new Promise((resolve, reject) => {
    execFile(binary, ['--list-devices'], { timeout: 60_000 }, (error, stdout) => {
      if (error)
        reject(engineError('MODEL_LOAD_FAILED', { reason: `${binary} --list-devices: ${error.message}` }));
      else resolve(parseDeviceList(stdout));
    });
  });
}

export function parseDeviceList(output: string): Array<{ name: string; vramBytes: number }> {
  return [...output.matchAll(/^\s+[^:\s]+: (.+) \((\d+) MiB, \d+ MiB free\)$/gm)].map((match) => ({
    name: match[1] as string,
    vramBytes: Number(match[2]) * 2 ** 20,
  }));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
