import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Server {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * CPU time (user + system) a process has used so far, in microseconds, from Linux's /proc (clock
 * ticks of 10 ms); undefined where there is no /proc.
 */
export function cpuMicros(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return undefined;
  }
}

/** Starts a server process and resolves once it prints a line containing its URL. */
export function startProcess(
  args: string[],
  env: Record<string, string>,
  urlFrom: (line: string) => string | undefined,
) {
  return new Promise<Server>((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buffered = '';
    let found = false;
    child.stdout?.on('data', (chunk) => {
      if (found) return; // keep draining, discard: request logs are part of the cost, not of the result
      buffered += String(chunk);
      for (const line of buffered.split('\n')) {
        const url = urlFrom(line);
        if (url) {
          found = true;
          resolve({
            url,
            pid: child.pid as number,
            stop: () =>
              new Promise((done) => {
                if (child.exitCode !== null || child.signalCode !== null) return done();
                child.once('exit', () => done());
                child.kill('SIGTERM');
              }),
          });
          return;
        }
      }
    });
    child.once('exit', (code) => {
      if (!found) reject(new Error(`${args.join(' ')} exited with ${code} before listening`));
    });
  });
}
