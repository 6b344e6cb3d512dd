import { createHash, randomBytes, randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppError } from '../../shared/index.ts';
import { type DownloadProgress, downloadModel } from './download.ts';
import { PartialFile } from './partial-file.ts';
import { type ModelServer, type ModelServerBehaviour, startModelServer } from './testing.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

let folder: string;
let destination: string;
let payload: Buffer;
let server: ModelServer;

async function serve(behaviour: Partial<ModelServerBehaviour> = {}): Promise<ModelServer> {
  server = await startModelServer({ body: payload, etag: '"v1"', ...behaviour });
  return server;
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  return (await promise.then(
    () => {
      throw new Error('expected the download to fail');
    },
    (error: unknown) => error,
  )) as AppError;
}

/** Runs an "earlier run" that the server cuts off after `cut` bytes; returns what it left on disk. */
async function interruptedEarlierRun(cut: number): Promise<number> {
  server.behaviour.cutAfter = { [server.requests.length]: cut };
  const error = await failure(downloadModel({ url: server.url, destination, maxRetries: 0 }));
  expect(error.code).toBe('MODEL_DOWNLOAD_FAILED');
  const kept = (await stat(`${destination}.partial`)).size;
  expect(error.details).toMatchObject({ attempts: 1, receivedBytes: kept });
  // fetch drops bytes it had not yet read when the socket dies; those are simply asked for again.
  expect(kept).toBeGreaterThan(0);
  expect(kept).toBeLessThanOrEqual(cut);
  return kept;
}

function leftovers(): string[] {
  return [destination, `${destination}.partial`, `${destination}.partial.json`].filter((path) =>
    existsSync(path),
  );
}

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'parley-download-'));
  destination = join(folder, 'models', 'tiny.gguf');
  payload = randomBytes(1_000_000 + randomInt(2_000_000));
});

afterEach(async () => {
  await server?.close();
  await rm(folder, { recursive: true, force: true });
});

describe('downloadModel', () => {
  it('downloads the whole file, verifies its hash and leaves no partial behind', async () => {
    await serve();
    const progress: DownloadProgress[] = [];
    const result = await downloadModel({
      url: server.url,
      destination,
      expectedSha256: sha256(payload).toUpperCase(),
      onProgress: (event) => progress.push(event),
    });

    expect(result).toEqual({
      path: destination,
      sha256: sha256(payload),
      bytes: payload.length,
      resumed: false,
      attempts: 1,
    });
    expect((await readFile(destination)).equals(payload)).toBe(true);
    expect(leftovers()).toEqual([destination]);
    expect(server.requests).toEqual([{ range: undefined, ifRange: undefined }]);

    const received = progress.map((event) => event.received);
    expect(received).toEqual([...received].sort((a, b) => a - b));
    expect(progress.at(-1)).toEqual({ received: payload.length, total: payload.length, resumedFrom: 0 });
  });

  it('resumes with Range from the bytes on disk when the server cuts the connection', async () => {
    const first = 300_000;
    const second = 200_000;
    await serve({ cutAfter: { 0: first, 1: second } });
    // What was on disk when each request went out: attempt k reports while the server has seen k requests.
    const onDiskBefore: number[] = [];
    const result = await downloadModel({
      url: server.url,
      destination,
      retryDelayMs: 1,
      onProgress: ({ received }) => {
        onDiskBefore[server.requests.length] = received;
      },
    });

    expect(result).toMatchObject({
      sha256: sha256(payload),
      bytes: payload.length,
      resumed: true,
      attempts: 3,
    });
    expect((await readFile(destination)).equals(payload)).toBe(true);
    expect(server.requests).toEqual([
      { range: undefined, ifRange: undefined },
      { range: `bytes=${onDiskBefore[1]}-`, ifRange: '"v1"' },
      { range: `bytes=${onDiskBefore[2]}-`, ifRange: '"v1"' },
    ]);
    expect(onDiskBefore[1]).toBeGreaterThan(0);
    expect(onDiskBefore[1]).toBeLessThanOrEqual(first);
    expect(onDiskBefore[2]).toBeGreaterThan(onDiskBefore[1] ?? 0);
    expect(onDiskBefore[2]).toBeLessThanOrEqual(first + second);
  });

  it('resumes a partial file an earlier run left behind', async () => {
    await serve();
    const kept = await interruptedEarlierRun(400_000);
    expect(existsSync(destination)).toBe(false);

    const progress: DownloadProgress[] = [];
    const result = await downloadModel({
      url: server.url,
      destination,
      expectedSha256: sha256(payload),
      onProgress: (event) => progress.push(event),
    });

    expect(result).toMatchObject({ sha256: sha256(payload), resumed: true, attempts: 1 });
    expect(server.requests[1]).toEqual({ range: `bytes=${kept}-`, ifRange: '"v1"' });
    expect(progress[0]).toEqual({ received: kept, total: payload.length, resumedFrom: kept });
    expect((await readFile(destination)).equals(payload)).toBe(true);
    expect(leftovers()).toEqual([destination]);
  });

  it('starts over when the server ignores Range and sends the whole file', async () => {
    await serve({ honourRange: false });
    const kept = await interruptedEarlierRun(250_000);
    const result = await downloadModel({ url: server.url, destination });

    expect(result).toMatchObject({ sha256: sha256(payload), resumed: false, attempts: 1 });
    expect(server.requests[1]?.range).toBe(`bytes=${kept}-`);
    expect((await readFile(destination)).equals(payload)).toBe(true);
  });

  it('starts over when the file changed on the server (new ETag, If-Range fails)', async () => {
    await serve();
    const kept = await interruptedEarlierRun(500_000);
    const newer = randomBytes(payload.length + 1000);
    server.behaviour = { body: newer, etag: '"v2"' };

    const result = await downloadModel({ url: server.url, destination, expectedSha256: sha256(newer) });

    expect(server.requests[1]).toEqual({ range: `bytes=${kept}-`, ifRange: '"v1"' });
    expect(result).toMatchObject({ sha256: sha256(newer), bytes: newer.length, resumed: false, attempts: 1 });
    expect((await readFile(destination)).equals(newer)).toBe(true);
  });

  it('starts over when a server without If-Range sends a range of a newer file', async () => {
    await serve();
    const kept = await interruptedEarlierRun(500_000);
    const newer = randomBytes(payload.length);
    server.behaviour = { body: newer, etag: '"v2"', honourIfRange: false };

    const result = await downloadModel({ url: server.url, destination, retryDelayMs: 1 });

    expect(server.requests.slice(1).map((request) => request.range)).toEqual([`bytes=${kept}-`, undefined]);
    expect(result).toMatchObject({ sha256: sha256(newer), resumed: false, attempts: 2 });
  });

  it('treats 416 with the complete size as done', async () => {
    await serve();
    const partial = await PartialFile.open(destination, server.url);
    await partial.remember({ url: server.url, etag: '"v1"', total: payload.length });
    await partial.append(payload);
    await partial.close();

    const result = await downloadModel({ url: server.url, destination, expectedSha256: sha256(payload) });

    expect(server.requests).toEqual([{ range: `bytes=${payload.length}-`, ifRange: '"v1"' }]);
    expect(result).toMatchObject({ sha256: sha256(payload), bytes: payload.length, resumed: true });
    expect(leftovers()).toEqual([destination]);
  });

  it('deletes the file and reports both hashes when the SHA-256 does not match', async () => {
    await serve();
    const expected = sha256(Buffer.from('another model'));
    const error = await failure(downloadModel({ url: server.url, destination, expectedSha256: expected }));

    expect(error.code).toBe('MODEL_HASH_MISMATCH');
    expect(error.details).toMatchObject({ expected, actual: sha256(payload) });
    expect(leftovers()).toEqual([]);
  });

  it('fails with the HTTP status on 404, without retrying', async () => {
    await serve({ statusFor: { 0: 404 } });
    const error = await failure(downloadModel({ url: server.url, destination, retryDelayMs: 1 }));

    expect(error.code).toBe('MODEL_DOWNLOAD_FAILED');
    expect(error.details).toMatchObject({ url: server.url, status: 404 });
    expect(error.message).toContain('HTTP 404');
    expect(server.requests).toHaveLength(1);
    expect(leftovers()).toEqual([]);
  });

  it('retries a busy server (503) and then succeeds', async () => {
    await serve({ statusFor: { 0: 503, 1: 503 } });
    const result = await downloadModel({ url: server.url, destination, retryDelayMs: 1 });
    expect(result).toMatchObject({ sha256: sha256(payload), attempts: 3, resumed: false });
  });

  it('gives up after maxRetries when nothing answers', async () => {
    await serve();
    const url = server.url;
    await server.close();
    const error = await failure(downloadModel({ url, destination, maxRetries: 2, retryDelayMs: 1 }));
    expect(error.code).toBe('MODEL_DOWNLOAD_FAILED');
    expect(error.details).toMatchObject({ url, attempts: 3, status: null });
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('stops on abort and keeps the bytes for the next run', async () => {
    await serve();
    const controller = new AbortController();
    const run = downloadModel({
      url: server.url,
      destination,
      signal: controller.signal,
      onProgress: ({ received }) => {
        if (received > 0) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(existsSync(destination)).toBe(false);
    expect((await stat(`${destination}.partial`)).size).toBeGreaterThan(0);
  });

  it('accepts only http and https URLs and hex SHA-256 digests', async () => {
    for (const url of [
      'file:///etc/passwd',
      'ftp://example.com/model.gguf',
      'not a url',
      'http://u:p@host/m',
    ]) {
      expect((await failure(downloadModel({ url, destination }))).code).toBe('MODEL_URL_UNSUPPORTED');
    }
    const badHash = downloadModel({ url: 'https://example.com/m.gguf', destination, expectedSha256: 'abc' });
    expect((await failure(badHash)).code).toBe('MODEL_HASH_INVALID');
    expect(leftovers()).toEqual([]);
  });
});
