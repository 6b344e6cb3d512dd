import { createParser } from 'eventsource-parser';

export const prompt = 'Once upon a time';

/** One generation on `stream`; resolves to the completion tokens it produced. */
export type Generate = (stream: number) => Promise<number>;

/** Cumulative CPU microseconds of each process a path runs through (name → µs). */
export type CpuReading = () => Record<string, number | undefined>;

export interface Comparison<Path extends string> {
  tokPerS: Record<Path, number>;
  /** CPU each process of a path spent per token it produced (µs), where a reading was given. */
  cpuMicrosPerToken: Partial<Record<Path, Record<string, number | null>>>;
}

/**
 * Aggregate completion tokens per second of each path with `streams` generations at once. After one
 * untimed generation each, the paths take turns, one batch at a time, until every path has run for
 * `minSeconds`: drift on the machine then hits all of them alike. With `cpu`, the CPU time of each
 * path's processes during its own batches is reported per token (what a saturated core would cap).
 */
export async function compareTokensPerSecond<Path extends string>(
  paths: Record<Path, Generate>,
  streams: number,
  minSeconds: number,
  cpu: Partial<Record<Path, CpuReading>> = {},
): Promise<Comparison<Path>> {
  const runs = (Object.entries(paths) as Array<[Path, Generate]>).map(([path, generate]) => ({
    path,
    generate,
    read: cpu[path],
    spent: {} as Record<string, number | null>,
    tokens: 0,
    seconds: 0,
  }));
  for (const run of runs) await run.generate(0);
  while (runs.some((run) => run.seconds < minSeconds)) {
    for (const run of runs) {
      const before = run.read?.();
      const started = performance.now();
      const counts = await Promise.all(Array.from({ length: streams }, (_, stream) => run.generate(stream)));
      run.seconds += (performance.now() - started) / 1000;
      run.tokens += counts.reduce((sum, count) => sum + count, 0);
      const after = run.read?.();
      for (const [name, micros] of Object.entries(after ?? {})) {
        const start = before?.[name];
        const spent = run.spent[name];
        run.spent[name] =
          micros === undefined || start === undefined || spent === null
            ? null
            : (spent ?? 0) + micros - start;
      }
    }
  }
  const perToken = (run: (typeof runs)[number]) =>
    Object.fromEntries(
      Object.entries(run.spent).map(([name, micros]) => [
        name,
        micros === null ? null : Math.round(micros / run.tokens),
      ]),
    );
  return {
    tokPerS: Object.fromEntries(
      runs.map((run) => [run.path, Math.round(run.tokens / run.seconds)]),
    ) as Record<Path, number>,
    cpuMicrosPerToken: Object.fromEntries(
      runs.filter((run) => run.read).map((run) => [run.path, perToken(run)]),
    ) as Comparison<Path>['cpuMicrosPerToken'],
  };
}

/**
 * Streams an OpenAI-style `/v1/completions` request (the provider's or the gateway's) and returns the
 * completion tokens its final `usage` reports.
 */
export async function streamCompletion(
  url: string,
  model: string,
  tokens: number,
  headers: Record<string, string> = {},
): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({
      model,
      prompt,
      max_tokens: tokens,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    }),
  });
  let completionTokens: number | undefined;
  await readEvents(url, response, (data) => {
    if (data === '[DONE]') return;
    const chunk = JSON.parse(data) as { usage?: { completion_tokens: number } | null };
    if (chunk.usage) completionTokens = chunk.usage.completion_tokens;
  });
  if (completionTokens === undefined) throw new Error(`${url}: the stream ended without usage`);
  return completionTokens;
}

/**
 * Streams from llama-server's native `/completion` with the body the llama-server engine sends for a
 * greedy request, so the difference to the provider is Parley's own work; returns `tokens_predicted`.
 */
export async function streamLlamaServerCompletion(baseUrl: string, tokens: number): Promise<number> {
  const url = `${baseUrl}/completion`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      prompt,
      n_predict: tokens,
      temperature: 0,
      top_p: 1,
      top_k: 0,
      min_p: 0,
      n_probs: 0,
      post_sampling_probs: false,
      return_tokens: true,
      cache_prompt: true,
      stream: true,
    }),
  });
  let predicted: number | undefined;
  await readEvents(url, response, (data) => {
    const chunk = JSON.parse(data) as { stop?: boolean; tokens_predicted?: number };
    if (chunk.stop) predicted = chunk.tokens_predicted;
  });
  if (predicted === undefined) throw new Error(`${url}: the stream ended without a final chunk`);
  return predicted;
}

async function readEvents(url: string, response: Response, onData: (data: string) => void): Promise<void> {
  if (!response.ok || !response.body) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  const parser = createParser({ onEvent: (event) => onData(event.data) });
  const decoder = new TextDecoder();
  for await (const part of response.body) parser.feed(decoder.decode(part, { stream: true }));
}
