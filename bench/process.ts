import { type ChildProcess, spawn } from 'node:child_process';

export interface Server {
  url: string;
  stop(): Promise<void>;
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
