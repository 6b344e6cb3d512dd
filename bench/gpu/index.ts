import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Llama } from 'node-llama-cpp';
import { loadLlamaBinding } from '../../src/provider/engine/index.ts';
import {
  type ModelPresetName,
  randomModelPresets,
  readGgufHeader,
  writeRandomModel,
} from '../../src/provider/gguf/index.ts';
import { report } from '../report.ts';
import { probeDecodes } from './decode-probe.ts';
import { startDirect } from './direct.ts';
import { compareTokensPerSecond, streamCompletion } from './measure.ts';
import { type Backend, type BenchSettings, benchSettings } from './settings.ts';
import { startPaidStack } from './stack.ts';
import { tuneNodeLlamaCpp } from './tuning.ts';

export interface StreamsRow {
  streams: number;
  /** (a) the backend itself: node-llama-cpp in this process, or llama-server over HTTP. */
  directTokPerS: number;
  /** (b) `parley provider`'s `/v1/completions`. */
  providerTokPerS: number;
  /** (c) the gateway's `/v1/completions` in front of that provider, paid with a voucher per request. */
  gatewayPaidTokPerS: number;
  /**
   * CPU time per token of Parley's processes on paths (b) and (c), in µs: where a path stops scaling
   * with a core of one process near 1,000,000 µs per second, Parley is what caps it.
   */
  cpuMicrosPerToken: { provider: Record<string, number | null>; gatewayPaid: Record<string, number | null> };
}

/**
 * Tokens per second of real llama.cpp inference on generated models: for each model and backend
 * (node-llama-cpp in process; llama-server when BENCH_LLAMA_SERVER_BIN is set), single-stream and
 * aggregate at each stream count, (a) direct, (b) through `parley provider`, (c) through gateway and
 * provider with payment on. `parley` runs the CLI (node arguments before the command). Settings:
 * ./settings.ts; on a GPU see bench/gpu/README.md.
 */
export async function llamaBench(parley: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const settings = benchSettings(env);
  const root = mkdtempSync(join(tmpdir(), 'parley-bench-llama-'));
  const modelDir = settings.modelDir ?? join(root, 'models');
  const results = earlierResults(settings.resultsFile);
  const done = (bench: string, preset: string, backend: string) =>
    results.some(
      (result) => result.bench === bench && result.preset === preset && result.backend === backend,
    );
  const emit = (bench: string, figures: Record<string, unknown>) => {
    const line = report(bench, figures);
    if (settings.resultsFile) appendFileSync(settings.resultsFile, line);
    results.push(JSON.parse(line) as Result);
  };
  const llama = settings.backends.includes('node-llama-cpp')
    ? await loadLlamaBinding({ gpu: settings.gpu === 'cpu' ? false : settings.gpu })
    : undefined;
  try {
    for (const preset of settings.presets) {
      const model = ensureModel(modelDir, preset);
      for (const backend of settings.backends)
        if (!done('llama', preset, backend))
          emit('llama', await measureBackend(settings, { parley, root, model, backend, llama }));
    }
    // Last, so that a call on a GPU machine that runs out of time loses the least important part.
    // The probe goes in only now, so that nothing measured above runs through it.
    const probe = settings.tune && llama ? probeDecodes(llama) : undefined;
    for (const preset of settings.presets) {
      if (!settings.tune || !llama || done('llama-tuning', preset, 'node-llama-cpp')) continue;
      const model = ensureModel(modelDir, preset);
      const rows = await tuneNodeLlamaCpp(llama, model.path, {
        streams: Math.max(...settings.streams),
        tokens: settings.tokens,
        contextSize: model.contextSize,
        threads: settings.threads,
        minSeconds: settings.minSeconds,
        ...(probe ? { probe } : {}),
      });
      const what = 'LlamaCompletion on one context, no Parley';
      emit('llama-tuning', { preset, backend: 'node-llama-cpp', what, rows });
    }
  } finally {
    await llama?.dispose();
  }
  const summary = results.map(({ bench, date: _date, what: _what, settings: _settings, ...figures }) => ({
    kind: bench,
    ...figures,
  }));
  emit('llama-summary', { tokens: settings.tokens, streams: settings.streams, results: summary });
}

interface Result {
  bench: string;
  preset: string;
  backend: string;
  [figure: string]: unknown;
}

/** What an earlier run left in the results file: a second call on a warm GPU machine goes on from there. */
function earlierResults(file: string | undefined): Result[] {
  if (!file || !existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Result)
    .filter((result) => result.bench === 'llama' || result.bench === 'llama-tuning');
}

interface Model {
  preset: ModelPresetName;
  path: string;
  parameters: number;
  bytes: number;
  /** What both engines default to per sequence: the training context, at most 2048. */
  contextSize: number;
}

/** The preset's model (seed 1) in `dir`, written once; written aside and renamed, so never half there. */
function ensureModel(dir: string, preset: ModelPresetName): Model {
  const path = join(dir, `${preset}.gguf`);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    writeRandomModel(`${path}.partial`, { ...randomModelPresets[preset], seed: 1 });
    renameSync(`${path}.partial`, path);
  }
  const header = readGgufHeader(path);
  const architecture = String(header.metadata['general.architecture']?.value ?? 'llama');
  const trainContext = Number(header.metadata[`${architecture}.context_length`]?.value ?? 2048);
  return {
    preset,
    path,
    parameters: header.tensors.reduce((sum, tensor) => sum + tensor.shape.reduce((a, b) => a * b, 1), 0),
    bytes: statSync(path).size,
    contextSize: Math.min(trainContext, 2048),
  };
}

async function measureBackend(
  settings: BenchSettings,
  run: { parley: string[]; root: string; model: Model; backend: Backend; llama: Llama | undefined },
) {
  const { model, backend } = run;
  const capacity = Math.max(...settings.streams);
  const common = {
    modelPath: model.path,
    capacity,
    gpu: settings.gpu,
    threads: settings.threads,
    llamaServerBinary: settings.llamaServerBinary,
  };
  const stack = await startPaidStack({
    ...common,
    parley: run.parley,
    dataDir: join(run.root, `${model.preset}-${backend}`),
    backend,
    modelId: model.preset,
  });
  try {
    const direct = await startDirect({
      ...common,
      backend,
      contextSize: model.contextSize,
      llama: run.llama,
    });
    try {
      const rows: StreamsRow[] = [];
      const { tokens } = settings;
      const provider = `${stack.providerUrl}/v1/completions`;
      const gateway = `${stack.gatewayUrl}/v1/completions`;
      for (const streams of settings.streams) {
        const { tokPerS, cpuMicrosPerToken } = await compareTokensPerSecond(
          {
            direct: () => direct.generate(tokens),
            provider: () => streamCompletion(provider, model.preset, tokens),
            gatewayPaid: (stream) =>
              streamCompletion(gateway, model.preset, tokens, stack.payer.headers(stream)),
          },
          streams,
          settings.minSeconds,
          { provider: () => ({ provider: stack.cpu().provider }), gatewayPaid: stack.cpu },
        );
        rows.push({
          streams,
          directTokPerS: tokPerS.direct,
          providerTokPerS: tokPerS.provider,
          gatewayPaidTokPerS: tokPerS.gatewayPaid,
          cpuMicrosPerToken: {
            provider: cpuMicrosPerToken.provider ?? {},
            gatewayPaid: cpuMicrosPerToken.gatewayPaid ?? {},
          },
        });
      }
      return {
        what: `${tokens} new tokens per stream, greedy, completions endpoint; aggregate tokens/s`,
        preset: model.preset,
        backend,
        model: { parameters: model.parameters, bytes: model.bytes },
        settings: direct.settings,
        ...(backend === 'node-llama-cpp' && run.llama
          ? { binding: { buildType: run.llama.buildType, gpu: run.llama.gpu } }
          : {}),
        rows,
        ratios: ratios(rows),
      };
    } finally {
      await direct.close();
    }
  } finally {
    await stack.stop();
  }
}

/**
 * The aims: the paid gateway path keeps at least 95% of the direct single-stream speed, and the
 * largest stream count reaches at least 5 times the single-stream speed in aggregate.
 */
function ratios(rows: StreamsRow[]) {
  const single = rows.find((row) => row.streams === 1);
  const most = rows.reduce((a, b) => (b.streams > a.streams ? b : a));
  if (!single || most === single) return {};
  const ratio = (a: number, b: number) => Number((a / b).toFixed(3));
  const gatewayVsDirect = ratio(single.gatewayPaidTokPerS, single.directTokPerS);
  const scaling = {
    direct: ratio(most.directTokPerS, single.directTokPerS),
    provider: ratio(most.providerTokPerS, single.providerTokPerS),
    gatewayPaid: ratio(most.gatewayPaidTokPerS, single.gatewayPaidTokPerS),
  };
  return {
    providerVsDirectSingleStream: ratio(single.providerTokPerS, single.directTokPerS),
    gatewayPaidVsDirectSingleStream: gatewayVsDirect,
    [`aggregate${most.streams}VsSingle`]: scaling,
    aims: {
      gatewayPaidSingleStreamAtLeast95PctOfDirect: gatewayVsDirect >= 0.95,
      [`gatewayPaidAggregate${most.streams}AtLeast5xSingle`]: scaling.gatewayPaid >= 5,
    },
  };
}
