import { existsSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileSha256 } from './engine/index.ts';
import { randomModelPresets, writeRandomModel } from './gguf/index.ts';

/** Where the weights come from: exactly one of `model`, `generate` and `modelUrl`. */
export interface ModelChoice {
  model?: string | undefined;
  generate?: string | undefined;
  seed: string;
  modelUrl?: string | undefined;
  /** The SHA-256 the weights must have (required with `modelUrl`). */
  sha256?: string | undefined;
}

export interface ObtainedModel {
  path: string;
  /** The file's SHA-256 when it was checked against `sha256` (the engine hashes the file otherwise). */
  sha256?: string;
}

/** The file name a download is saved under in the data dir's `models/`. */
export const downloadName = (url: string) => basename(new URL(url).pathname) || 'model.gguf';

/** Downloads `url` to `destination`, verified against `sha256`; resolves to the file's path. */
export type Download = (url: string, destination: string, sha256: string) => Promise<string>;

/**
 * The model file to serve: a given file, a generated one (written once into the data dir), or a
 * download (resumed from what an earlier run left). With a SHA-256 the file is checked before it is
 * served: a given file that differs fails; a downloaded one that differs (an older version under
 * the same name, or damaged on disk) is fetched again.
 */
export async function obtainModel(
  choice: ModelChoice,
  dataDir: string,
  download: Download,
  onStale: (path: string) => void,
): Promise<ObtainedModel> {
  const expected = choice.sha256?.toLowerCase();
  const checked = async (path: string): Promise<ObtainedModel> => {
    if (!expected) return { path };
    const actual = await fileSha256(path);
    if (actual !== expected)
      throw new Error(`${path} has SHA-256 ${actual}, not the ${expected} of --sha256`);
    return { path, sha256: actual };
  };
  if (choice.model) {
    if (!existsSync(choice.model)) throw new Error(`no model file at ${choice.model}`);
    return checked(resolve(choice.model));
  }
  if (choice.generate) {
    const preset = choice.generate as keyof typeof randomModelPresets;
    const path = join(dataDir, 'models', `parley-${preset}-seed${choice.seed}.gguf`);
    if (!existsSync(path))
      writeRandomModel(path, { ...randomModelPresets[preset], seed: Number(choice.seed) });
    return checked(path);
  }
  const url = choice.modelUrl as string;
  if (!expected) throw new Error('--model-url needs --sha256');
  const destination = join(dataDir, 'models', downloadName(url));
  if (existsSync(destination)) {
    if ((await fileSha256(destination)) === expected) return { path: destination, sha256: expected };
    onStale(destination);
    rmSync(destination);
  }
  return { path: await download(url, destination, expected), sha256: expected };
}
