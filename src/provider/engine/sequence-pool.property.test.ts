import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SequencePool } from './sequence-pool.ts';

/**
 * The pool against a model of what it promises, over random runs of requests, returns, client
 * aborts, time passing and close: every request ends exactly once and as the model says (an item,
 * null, or ENGINE_BUSY / ENGINE_QUEUE_TIMEOUT / ENGINE_CLOSED), waiters are served first in, first
 * out, no item is lent twice at once, and none is ever lost.
 */
const timeoutMs = 100;

type Action =
  | { kind: 'acquire'; abortable: boolean }
  | { kind: 'release'; pick: number }
  | { kind: 'abort'; pick: number }
  | { kind: 'tick'; ms: number }
  | { kind: 'close' };

const action: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('acquire' as const), abortable: fc.boolean() }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('abort' as const), pick: fc.nat() }), weight: 1 },
  {
    arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 150 }) }),
    weight: 2,
  },
  { arbitrary: fc.constant({ kind: 'close' as const }), weight: 1 },
);

/** One request as the test sees it, and what the model expects of it. */
interface Request {
  outcome: { item: string | null } | { code: string } | undefined;
  expected: 'waiting' | { item: string | null } | { code: string } | { returned: string };
  controller: AbortController | undefined;
  queuedAt: number;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('SequencePool (property)', () => {
  it('keeps its promises over any sequence of requests, returns, aborts, timeouts and close', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 3 }),
        fc.array(action, { maxLength: 40 }),
        async (capacity, queueLimit, actions) => {
          const items = Array.from({ length: capacity }, (_, i) => `s${i}`);
          const pool = new SequencePool(items, { queueLimit, queueTimeoutMs: timeoutMs });
          const requests: Request[] = [];
          // The model: free items (the pool lends the last returned first), the queue, the clock.
          const free = [...items];
          const queue: Request[] = [];
          let closed = false;
          let now = 0;
          const settle = (request: Request, expected: Request['expected']) => {
            request.expected = expected;
            const index = queue.indexOf(request);
            if (index !== -1) queue.splice(index, 1);
          };
          const held = () =>
            requests.filter(
              (request) =>
                typeof request.expected === 'object' &&
                'item' in request.expected &&
                request.expected.item !== null,
            );

          for (const step of actions) {
            if (step.kind === 'acquire') {
              const controller = step.abortable ? new AbortController() : undefined;
              const request: Request = { outcome: undefined, expected: 'waiting', controller, queuedAt: now };
              requests.push(request);
              pool.acquire(controller?.signal).then(
                (item) => {
                  expect(request.outcome).toBeUndefined();
                  request.outcome = { item };
                },
                (error: { code: string }) => {
                  expect(request.outcome).toBeUndefined();
                  request.outcome = { code: error.code };
                },
              );
              if (closed) request.expected = { code: 'ENGINE_CLOSED' };
              else if (free.length > 0) request.expected = { item: free.pop() as string };
              else if (queue.length >= queueLimit) request.expected = { code: 'ENGINE_BUSY' };
              else queue.push(request);
            } else if (step.kind === 'release') {
              const lent = held();
              const holder = lent[step.pick % Math.max(1, lent.length)];
              if (holder) {
                const item = (holder.expected as { item: string }).item;
                holder.expected = { returned: item };
                pool.release(item);
                const next = queue[0];
                if (next) settle(next, { item });
                else free.push(item);
              }
            } else if (step.kind === 'abort') {
              const abortable = queue.filter((request) => request.controller);
              const target = abortable[step.pick % Math.max(1, abortable.length)];
              if (target) {
                target.controller?.abort();
                settle(target, { item: null });
              }
            } else if (step.kind === 'tick') {
              now += step.ms;
              for (const request of [...queue])
                if (now - request.queuedAt >= timeoutMs) settle(request, { code: 'ENGINE_QUEUE_TIMEOUT' });
              await vi.advanceTimersByTimeAsync(step.ms);
            } else {
              closed = true;
              pool.close();
              for (const request of [...queue]) settle(request, { code: 'ENGINE_CLOSED' });
            }
            await vi.advanceTimersByTimeAsync(0);

            for (const request of requests) {
              if (request.expected === 'waiting') expect(request.outcome).toBeUndefined();
              else if ('returned' in request.expected)
                expect(request.outcome).toEqual({ item: request.expected.returned });
              else expect(request.outcome).toEqual(request.expected);
            }
            const lentItems = held().map((request) => (request.expected as { item: string }).item);
            expect(new Set(lentItems).size).toBe(lentItems.length);
            expect([...lentItems, ...free].sort()).toEqual([...items].sort());
            expect([pool.inUse, pool.queued]).toEqual([lentItems.length, queue.length]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
