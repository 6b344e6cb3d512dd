import { describe, expect, it } from 'vitest';
import { SequencePool } from './sequence-pool.ts';

describe('SequencePool', () => {
  it('lends free items, then queues requests first in, first out', async () => {
    const pool = new SequencePool(['a'], { queueLimit: 2, queueTimeoutMs: 10_000 });
    const first = await pool.acquire();
    const order: string[] = [];
    const second = pool.acquire().then((item) => order.push(`second:${item}`));
    const third = pool.acquire().then((item) => order.push(`third:${item}`));
    expect([pool.inUse, pool.queued]).toEqual([1, 2]);
    pool.release(first as string);
    await second;
    pool.release('a');
    await third;
    expect(order).toEqual(['second:a', 'third:a']);
  });

  it('refuses a request beyond the queue limit with ENGINE_BUSY', async () => {
    const pool = new SequencePool(['a'], { queueLimit: 1, queueTimeoutMs: 10_000 });
    await pool.acquire();
    const waiting = pool.acquire();
    await expect(pool.acquire()).rejects.toMatchObject({ code: 'ENGINE_BUSY', status: 429 });
    pool.release('a');
    expect(await waiting).toBe('a');
  });

  it('fails a request that waits too long with ENGINE_QUEUE_TIMEOUT and forgets it', async () => {
    const pool = new SequencePool(['a'], { queueLimit: 4, queueTimeoutMs: 5 });
    await pool.acquire();
    await expect(pool.acquire()).rejects.toMatchObject({ code: 'ENGINE_QUEUE_TIMEOUT', status: 503 });
    expect(pool.queued).toBe(0);
  });

  it('answers null to a waiter whose signal aborts, and closes with ENGINE_CLOSED', async () => {
    const pool = new SequencePool(['a'], { queueLimit: 4, queueTimeoutMs: 10_000 });
    await pool.acquire();
    const controller = new AbortController();
    const aborted = pool.acquire(controller.signal);
    const closedOut = pool.acquire();
    controller.abort();
    expect(await aborted).toBeNull();
    pool.close();
    await expect(closedOut).rejects.toMatchObject({ code: 'ENGINE_CLOSED' });
    await expect(pool.acquire()).rejects.toMatchObject({ code: 'ENGINE_CLOSED' });
  });
});
