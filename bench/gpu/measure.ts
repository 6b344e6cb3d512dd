import { createParser } from 'eventsource-parser';

export const prompt = 'Once upon a time';

/** One generation on `stream`; resolves to the completion tokens it produced. */
export type Generate = (stream: number) => Promise<number>;

/**
 * Aggregate completion tokens per second of each path with `streams` generations at once. After one
 * untimed generation each, the paths take turns, one batch at a time, until every path has run for
 * `minSeconds`: drift on the machine then hits all of them alike.
 */
export async function compareTokensPerSecond<Path extends string>(
  paths: Record<Path, Generate>,
  streams: number,
  minSeconds: number,
): Promise<Record<Path, number>> {
  const runs = Object.entries<Generate>(paths).map(([path, generate]) => ({
    path,
    generate,
    tokens: 0,
    seconds: 0,
  }));
  for (const run of runs) await run.generate(0);
  while (runs.some((run) => run.seconds < minSeconds)) {
    for (const run of runs) {
      const started = performance.now();
      const counts = await Promise.all(Array.from({ length: streams }, (_, stream) => run.generate(stream)));
      run.seconds += (performance.now() - started) / 1000;
      run.tokens += counts.reduce((sum, count) => sum + count, 0);
    }
  }
  return Object.fromEntries(runs.map((run) => [run.path, Math.round(run.tokens / run.seconds)])) as Record<
    Path,
    number
  >;
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
