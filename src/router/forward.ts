import type { Clock } from '../shared/index.ts';
import { fetchSend, httpSend, prepend, type UpstreamBody } from '../shared/upstream.ts';
import type { CircuitBreakers } from './circuit-breaker.ts';
import type { HealthTracker } from './health.ts';

export interface Upstream {
  providerId: string;
  /** Base URL of an OpenAI-compatible server, e.g. http://gpu-1:8080 (paths are appended). */
  endpoint: string;
}

export interface ForwardOptions {
  breakers: CircuitBreakers;
  health: HealthTracker;
  clock: Clock;
  /** Candidates tried at most. */
  maxAttempts: number;
  /** How long one candidate may take to send its headers (and, when streaming, its first chunk). */
  attemptTimeoutMs: number;
  /** Time budget for all attempts together. */
  deadlineMs: number;
  stream: boolean;
  /** Reach providers through this instead of node:http (tests route requests into an app). */
  fetch?: typeof fetch;
}

export type AttemptOutcome =
  | 'ok'
  | 'client_error'
  | 'breaker_open'
  | 'network_error'
  | 'timeout'
  | 'server_error';

export interface Forwarded {
  providerId: string;
  status: number;
  contentType: string | null;
  /** The upstream body, starting with the chunk already read (when the status was below 400). */
  body: UpstreamBody;
  attempts: Array<{ providerId: string; outcome: AttemptOutcome; status?: number }>;
  /** Call when the body has been fully relayed (ok) or broke off mid-stream; feeds health and breaker. */
  finish(ok: boolean, tokens?: number): void;
}

export class NoUpstreamError extends Error {
  constructor(readonly attempts: Forwarded['attempts']) {
    super('no provider could serve the request');
  }
}

/**
 * Sends an OpenAI-compatible request to the ranked candidates in turn. A refused connection, a
 * timeout or a 5xx before the first byte (the first chunk when streaming) moves on to the next
 * candidate, within `maxAttempts` and the overall deadline; a 4xx is the caller's problem and is
 * returned as is. Breakers and health hear about every attempt.
 */
export async function forward(
  path: string,
  body: unknown,
  ranked: readonly Upstream[],
  options: ForwardOptions,
): Promise<Forwarded> {
  const { breakers, health, clock } = options;
  const send = options.fetch ? fetchSend(options.fetch) : httpSend;
  const started = clock.now();
  const attempts: Forwarded['attempts'] = [];
  for (const upstream of ranked) {
    if (attempts.length >= options.maxAttempts) break;
    const remaining = options.deadlineMs - (clock.now() - started);
    if (remaining <= 0) break;
    const permit = breakers.tryAcquire(upstream.providerId);
    if (!permit) {
      attempts.push({ providerId: upstream.providerId, outcome: 'breaker_open' });
      continue;
    }
    const attemptStarted = clock.now();
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), Math.min(options.attemptTimeoutMs, remaining));
    const fail = (outcome: AttemptOutcome, status?: number) => {
      clearTimeout(timer);
      abort.abort();
      permit.failure();
      health.record(upstream.providerId, { ok: false, latencyMs: clock.now() - attemptStarted });
      attempts.push({ providerId: upstream.providerId, outcome, ...(status ? { status } : {}) });
    };
    let response: Awaited<ReturnType<typeof send>>;
    try {
      response = await send(new URL(path, upstream.endpoint), {
        body: JSON.stringify(body),
        accept: options.stream ? 'text/event-stream' : 'application/json',
        signal: abort.signal,
      });
    } catch {
      fail(abort.signal.aborted ? 'timeout' : 'network_error');
      continue;
    }
    if (response.status >= 500) {
      response.body.cancel();
      fail('server_error', response.status);
      continue;
    }
    let relayed = response.body;
    if (response.status < 400) {
      // Nothing has reached the caller yet: the first chunk decides whether this candidate serves.
      let first: Uint8Array | undefined;
      try {
        first = await response.body.read();
      } catch {
        fail(abort.signal.aborted ? 'timeout' : 'server_error', response.status);
        continue;
      }
      relayed = prepend(first, response.body);
    }
    clearTimeout(timer);
    const ttftMs = clock.now() - attemptStarted;
    const outcome: AttemptOutcome = response.status >= 400 ? 'client_error' : 'ok';
    attempts.push({ providerId: upstream.providerId, outcome, status: response.status });
    let finished = false;
    return {
      providerId: upstream.providerId,
      status: response.status,
      contentType: response.contentType,
      body: relayed,
      attempts,
      finish(ok, tokens) {
        if (finished) return;
        finished = true;
        const latencyMs = clock.now() - attemptStarted;
        const seconds = latencyMs / 1000;
        if (ok) permit.success();
        else permit.failure();
        health.record(upstream.providerId, {
          ok,
          latencyMs,
          ttftMs,
          ...(tokens !== undefined && seconds > 0 ? { tokensPerSecond: tokens / seconds } : {}),
        });
      },
    };
  }
  throw new NoUpstreamError(attempts);
}
