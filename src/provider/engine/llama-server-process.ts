import { type ChildProcess, spawn } from 'node:child_process';
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
  /** Told about each exit the supervisor restarts from, and every line the server writes to stderr. */
  onExit?: (code: number | null) => void;
  onLog?: (line: string) => void;
}

/**
 * A `llama-server` process the provider starts, health-checks and supervises: it listens on a free
 * loopback port, counts as ready once `/health` answers 200, and is restarted (with backoff) when it
 * dies unexpectedly, until `stop` is called.
 */
export class LlamaServerProcess {
  url = '';
  private child: ChildProcess | undefined;
  private stopping = false;
  private ready: Promise<void> | undefined;

  constructor(private readonly options: LlamaServerProcessOptions) {}

  /** Starts the server and resolves once it is healthy. */
  start(): Promise<void> {
    this.ready = this.launch();
    return this.ready;
  }

  /** Resolves when the server is (again) healthy; rejects while it cannot be started. */
  whenReady(): Promise<void> {
    return this.ready ?? Promise.reject(engineError('ENGINE_CLOSED'));
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
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
    await Promise.race([this.waitHealthy(), failed]);
    child.once('exit', (code) => {
      if (this.stopping) return;
      options.onExit?.(code);
      this.ready = sleep(1000).then(() => this.launch());
      this.ready.catch(() => {});
    });
  }

  private async waitHealthy(): Promise<void> {
    const deadline = Date.now() + this.options.startTimeoutMs;
    while (Date.now() < deadline) {
      try {
        const response = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(1000) });
        await response.body?.cancel();
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw engineError('MODEL_LOAD_FAILED', {
      reason: `llama-server was not healthy within ${this.options.startTimeoutMs} ms`,
    });
  }
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
