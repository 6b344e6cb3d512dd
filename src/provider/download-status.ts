import { listen } from '../gateway/server.ts';
import { providerApp } from './api/index.ts';
import type { DownloadProgress } from './download/index.ts';
import { engineError, type InferenceEngine } from './engine/index.ts';

export interface DownloadStatus {
  /** The port it listens on: the node takes it over once the model is loaded (also with port 0). */
  port: number;
  update(progress: DownloadProgress): void;
  close(): Promise<void>;
}

/**
 * While `--model-url` downloads the weights, the node's port answers already: `/healthz` 503 with
 * the reason, `/v1/provider/info` with the download's progress, inference 503 MODEL_DOWNLOADING.
 * It registers nowhere: the node registers with its gateway once the model is loaded.
 */
export async function serveDownloadStatus(options: {
  host: string;
  port: number;
  modelId: string;
  sha256: string;
}): Promise<DownloadStatus> {
  let progress: DownloadProgress = { received: 0, total: null, resumedFrom: 0 };
  const downloading: InferenceEngine = {
    model: { id: options.modelId, path: '', sha256: options.sha256, contextLength: 0, parameters: 0 },
    stats: () => ({
      capacity: 0,
      inFlight: 0,
      queued: 0,
      tokensPerSecond: 0,
      gpu: null,
      backend: 'none',
      draining: false,
      ready: false,
      unavailable: 'downloading the model',
    }),
    generate: async () => {
      throw engineError('MODEL_DOWNLOADING');
    },
    close: async () => {},
  };
  const server = await listen(
    providerApp({ engine: downloading, info: () => ({ download: progress }) }),
    options.host,
    options.port,
  );
  return {
    port: server.port,
    update: (next) => {
      progress = next;
    },
    close: () => server.close(0),
  };
}
