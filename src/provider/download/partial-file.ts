import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { downloadError } from './errors.ts';

/** The sidecar beside a partial download: which file version its bytes came from, to resume it safely. */
export const partialStateSchema = z.object({
  url: z.string(),
  etag: z.string().optional(),
  lastModified: z.string().optional(),
  total: z.number().int().nonnegative().nullable(),
});

export type PartialState = z.infer<typeof partialStateSchema>;

/**
 * The `<destination>.partial` file and its `.partial.json` sidecar, with a SHA-256 kept in step with
 * the bytes on disk, so a resumed download hashes the earlier part once and the rest as it arrives.
 */
export class PartialFile {
  private hash: Hash = createHash('sha256');
  private handle: FileHandle | null = null;

  private constructor(
    readonly path: string,
    readonly statePath: string,
    private currentState: PartialState | null,
    private size: number,
  ) {}

  /**
   * Opens the partial download for `destination`. Bytes left by an earlier run are kept only when
   * the sidecar says they came from the same URL; anything else starts from nothing.
   */
  static async open(destination: string, url: string): Promise<PartialFile> {
    const path = `${destination}.partial`;
    const statePath = `${path}.json`;
    await guardWrite(path, () => mkdir(dirname(destination), { recursive: true }));
    const state = await readState(statePath);
    const size = await fileSize(path);
    const file = new PartialFile(path, statePath, state, 0);
    const usable = state !== null && state.url === url && (state.total === null || size <= state.total);
    if (usable && size > 0) await file.hashExisting(size);
    else await file.reset();
    return file;
  }

  get bytes(): number {
    return this.size;
  }

  get state(): PartialState | null {
    return this.currentState;
  }

  /** Throws away every byte and the sidecar, ready to start from zero. */
  async reset(): Promise<void> {
    await this.close();
    await guardWrite(this.path, async () => {
      await rm(this.path, { force: true });
      await rm(this.statePath, { force: true });
    });
    this.hash = createHash('sha256');
    this.size = 0;
    this.currentState = null;
  }

  /** Records which version of the remote file the bytes belong to, before any of them are written. */
  async remember(state: PartialState): Promise<void> {
    await guardWrite(this.statePath, () => writeFile(this.statePath, JSON.stringify(state)));
    this.currentState = state;
  }

  async append(chunk: Uint8Array): Promise<void> {
    await guardWrite(this.path, async () => {
      this.handle ??= await open(this.path, 'a');
      await this.handle.appendFile(chunk);
    });
    this.hash.update(chunk);
    this.size += chunk.byteLength;
  }

  /** The SHA-256 of the bytes so far, as lowercase hex. */
  digest(): string {
    return this.hash.copy().digest('hex');
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    await handle?.close();
  }

  /** Flushes the bytes to disk and moves them to `destination` in one rename, then drops the sidecar. */
  async commit(destination: string): Promise<void> {
    await guardWrite(this.path, async () => {
      this.handle ??= await open(this.path, 'a');
      await this.handle.sync();
      await this.close();
      await rename(this.path, destination);
      await rm(this.statePath, { force: true });
    });
  }

  private async hashExisting(size: number): Promise<void> {
    for await (const chunk of createReadStream(this.path, { start: 0, end: size - 1 })) {
      this.hash.update(chunk as Buffer);
    }
    this.size = size;
  }
}

async function readState(statePath: string): Promise<PartialState | null> {
  try {
    return partialStateSchema.parse(JSON.parse(await readFile(statePath, 'utf8')));
  } catch {
    return null;
  }
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** File-system failures become one error a person can act on, naming the file. */
async function guardWrite<T>(path: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw downloadError('MODEL_FILE_WRITE_FAILED', { path, reason });
  }
}
