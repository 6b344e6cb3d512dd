import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const cliPath = fileURLToPath(new URL('../../bin/parley.js', import.meta.url));

export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  /** Every JSON log line the gateway printed so far. */
  logs: Array<Record<string, unknown>>;
  stderr(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs `parley gateway` as a real process on a free port and waits until it listens. */
export async function startGateway(env: Record<string, string>): Promise<GatewayProcess> {
  const started = await startCli(
    ['gateway'],
    { PARLEY_PORT: '0', PARLEY_LOG_LEVEL: 'info', ...env },
    'gateway listening',
  );
  return { ...started, url: String(started.ready.url) };
}

/**
 * Runs a long-lived CLI command (JSON logs on stdout) and resolves once it logs `readyMessage`,
 * with that log entry; rejects with its stderr if it exits first.
 */
export async function startCli(args: string[], env: Record<string, string>, readyMessage: string) {
  const child = spawn(process.execPath, [cliPath, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  let buffered = '';
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      buffered += String(chunk);
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === readyMessage) resolve(entry);
      }
    });
    exited.then((code) =>
      reject(new Error(`parley ${args[0]} exited with ${code} before listening: ${stderr}`)),
    );
  });
  return {
    ready,
    child,
    logs,
    stderr: () => stderr,
    exited,
    stop: (signal: NodeJS.Signals = 'SIGTERM') => {
      child.kill(signal);
      return exited;
    },
  };
}

/** Runs the CLI to completion and returns what it printed. */
export function runCli(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += String(chunk);
    });
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface ProviderProcess {
  url: string;
  providerId: string;
  child: ChildProcess;
  /** Every JSON log line the node printed so far. */
  logs: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs `parley provider …` as a real process and waits until it is registered and listening. */
export async function startProvider(args: string[]): Promise<ProviderProcess> {
  const { ready, child, logs, exited, stop } = await startCli(
    ['provider', ...args],
    {},
    'provider listening',
  );
  return { url: String(ready.url), providerId: String(ready.providerId), child, logs, exited, stop };
}
