import type { ReadableStreamReadResult } from 'node:stream/web';
import { setTimeout as sleep } from 'node:timers/promises';
import { downloadError } from './errors.ts';
import { isTransientStatus, parseContentRange, resumeHeaders, validatorsOf } from './http-range.ts';
import { PartialFile, type PartialState } from './partial-file.ts';

export interface DownloadProgress {
  /** Bytes of the file on disk so far, counting any resumed part. */
  received: number;
  /** The file's full size, when the server said. */
  total: number | null;
  /** Bytes an earlier run had left on disk when this one started (0 when it started fresh). */
  resumedFrom: number;
}

export interface DownloadOptions {
  url: string;
  /** The final file path; bytes arrive in `<destination>.partial` until they are complete and verified. */
  destination: string;
  /** Hex SHA-256 the finished file must have. */
  expectedSha256?: string;
  fetch?: typeof fetch;
  onProgress?: (progress: DownloadProgress) => void;
  /** How many times a broken connection or a transient server error is retried (default 5). */
  maxRetries?: number;
  /** The first retry's delay; each later one doubles it, up to 30 s (default 1000 ms). */
  retryDelayMs?: number;
  signal?: AbortSignal;
}

export interface DownloadResult {
  path: string;
  sha256: string;
  bytes: number;
  /** True when the file was finished by appending to bytes already on disk. */
  resumed: boolean;
  attempts: number;
}

const maxRetryDelayMs = 30_000;

/** A failure worth another try from the bytes already on disk: a cut connection or a busy server. */
class Interruption extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/**
 * Downloads a (large) model file to `destination`, streaming it to disk and hashing as it goes.
 * Broken connections resume with HTTP Range from what is on disk, in this run or the next one;
 * a file that changed on the server starts over; the result is verified before it is moved in place.
 */
export async function downloadModel(options: DownloadOptions): Promise<DownloadResult> {
  const url = checkUrl(options.url);
  const expectedSha256 = checkSha256(options.expectedSha256);
  const maxRetries = options.maxRetries ?? 5;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const partial = await PartialFile.open(options.destination, url);
  const run: Run = {
    url,
    partial,
    fetch: options.fetch ?? fetch,
    signal: options.signal,
    onProgress: options.onProgress,
    resumedFrom: partial.bytes,
    resumed: false,
  };

  let attempts = 0;
  try {
    for (;;) {
      attempts += 1;
      try {
        await fetchRest(run);
        break;
      } catch (error) {
        if (!(error instanceof Interruption) || options.signal?.aborted) throw error;
        if (attempts > maxRetries) {
          throw downloadError(
            'MODEL_DOWNLOAD_FAILED',
            {
              url,
              status: error.status ?? null,
              attempts,
              reason: error.message,
              receivedBytes: partial.bytes,
            },
            `Downloading ${url} failed after ${attempts} attempts (${error.message}); ` +
              (partial.bytes > 0
                ? `${partial.bytes} bytes are kept in ${partial.path}, so running again resumes from there.`
                : 'check the URL and the network, then run again.'),
          );
        }
        const delay = Math.min(retryDelayMs * 2 ** (attempts - 1), maxRetryDelayMs);
        await sleep(delay, undefined, { signal: options.signal });
      }
    }
  } finally {
    await partial.close();
  }

  const sha256 = partial.digest();
  if (expectedSha256 !== undefined && sha256 !== expectedSha256) {
    await partial.reset();
    throw downloadError(
      'MODEL_HASH_MISMATCH',
      { url, expected: expectedSha256, actual: sha256 },
      `The file at ${url} has SHA-256 ${sha256}, not the expected ${expectedSha256}; it was deleted. ` +
        'Check that the URL and the hash name the same model version.',
    );
  }
  const bytes = partial.bytes;
  await partial.commit(options.destination);
  return { path: options.destination, sha256, bytes, resumed: run.resumed, attempts };
}

interface Run {
  url: string;
  partial: PartialFile;
  fetch: typeof fetch;
  signal: AbortSignal | undefined;
  onProgress: DownloadOptions['onProgress'];
  resumedFrom: number;
  resumed: boolean;
}

/** One request for whatever is missing; returns once the partial file holds the whole file. */
async function fetchRest(run: Run): Promise<void> {
  const { partial } = run;
  const offset = partial.bytes;
  const headers: Record<string, string> = { 'accept-encoding': 'identity' };
  if (offset > 0 && partial.state) Object.assign(headers, resumeHeaders(offset, partial.state));

  let response: Response;
  try {
    response = await run.fetch(run.url, { headers, signal: run.signal, redirect: 'follow' });
  } catch (cause) {
    if (run.signal?.aborted) throw cause;
    throw new Interruption(describeNetworkError(cause));
  }

  if (response.status === 416 && offset > 0) {
    await response.body?.cancel();
    const range = parseContentRange(response.headers.get('content-range'));
    const total = range?.kind === 'unsatisfied' ? range.total : partial.state?.total;
    if (total === offset) {
      run.resumed = true;
      report(run);
      return;
    }
    await restartFromZero(run);
    throw new Interruption('the server refused to resume; starting over', 416);
  }

  if (response.status === 206) {
    await acceptRange(run, response, offset);
  } else if (response.status === 200) {
    // Either a fresh start, or the server ignored Range or saw through If-Range that the file changed.
    await restartFromZero(run);
    await partial.remember(stateOf(run.url, response, contentLength(response)));
  } else {
    await response.body?.cancel();
    const reason = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    if (isTransientStatus(response.status)) throw new Interruption(reason, response.status);
    throw downloadError(
      'MODEL_DOWNLOAD_FAILED',
      { url: run.url, status: response.status },
      `Downloading ${run.url} failed with ${reason}; check that the URL is right and reachable without credentials.`,
    );
  }

  await writeBody(run, response);
  const total = partial.state?.total ?? null;
  if (total !== null && partial.bytes !== total) {
    if (partial.bytes > total) await restartFromZero(run);
    throw new Interruption(`the connection closed after ${partial.bytes} of ${total} bytes`);
  }
}

async function acceptRange(run: Run, response: Response, offset: number): Promise<void> {
  const { partial } = run;
  const range = parseContentRange(response.headers.get('content-range'));
  if (range?.kind !== 'range' || range.start !== offset) {
    await response.body?.cancel();
    await restartFromZero(run);
    throw new Interruption(`the server sent a different range than bytes=${offset}-`);
  }
  if (offset === 0) {
    await partial.remember(stateOf(run.url, response, range.total));
    return;
  }
  // A server that honours Range but not If-Range could send a piece of a newer file.
  const remembered = partial.state;
  const etag = response.headers.get('etag');
  const changed =
    (remembered?.etag !== undefined && etag !== null && remembered.etag !== etag) ||
    (remembered?.total != null && range.total !== null && remembered.total !== range.total);
  if (changed) {
    await response.body?.cancel();
    await restartFromZero(run);
    throw new Interruption('the file changed on the server');
  }
  run.resumed = true;
}

async function writeBody(run: Run, response: Response): Promise<void> {
  report(run);
  if (!response.body) return;
  const reader = response.body.getReader();
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (cause) {
      if (run.signal?.aborted) throw cause;
      throw new Interruption(describeNetworkError(cause));
    }
    if (chunk.done) return;
    try {
      await run.partial.append(chunk.value);
    } catch (error) {
      await reader.cancel().catch(() => {});
      throw error;
    }
    report(run);
  }
}

async function restartFromZero(run: Run): Promise<void> {
  await run.partial.reset();
  run.resumedFrom = 0;
  run.resumed = false;
}

function report(run: Run): void {
  run.onProgress?.({
    received: run.partial.bytes,
    total: run.partial.state?.total ?? null,
    resumedFrom: run.resumedFrom,
  });
}

function stateOf(url: string, response: Response, total: number | null): PartialState {
  const { etag, lastModified } = validatorsOf(response);
  return { url, total, ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) };
}

function contentLength(response: Response): number | null {
  const header = response.headers.get('content-length');
  if (header === null || !/^\d+$/.test(header)) return null;
  // A compressed body's length says nothing about the bytes we will write.
  const encoding = response.headers.get('content-encoding');
  return encoding && encoding !== 'identity' ? null : Number(header);
}

function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw downloadError('MODEL_URL_UNSUPPORTED', { url }, `"${url}" is not a URL; give an http(s) URL.`);
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.username || parsed.password) {
    throw downloadError('MODEL_URL_UNSUPPORTED', {
      url: `${parsed.protocol}//${parsed.host}${parsed.pathname}`,
    });
  }
  return parsed.href;
}

function checkSha256(hex: string | undefined): string | undefined {
  if (hex === undefined) return undefined;
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw downloadError('MODEL_HASH_INVALID', { expected: hex });
  return hex.toLowerCase();
}

function describeNetworkError(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = cause.cause instanceof Error ? cause.cause : null;
  const code = (inner as { code?: unknown } | null)?.code;
  return inner ? `${cause.message}: ${typeof code === 'string' ? code : inner.message}` : cause.message;
}
