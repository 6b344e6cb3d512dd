import { engineError } from './errors.ts';

export interface SequencePoolOptions {
  /** Requests that may wait for a free item; one more is refused with ENGINE_BUSY. */
  queueLimit: number;
  /** How long a request may wait before it fails with ENGINE_QUEUE_TIMEOUT. */
  queueTimeoutMs: number;
}

interface Waiter<T> {
  resolve(item: T | null): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * A fixed set of items (a context's sequences) lent one request at a time. Requests beyond them wait
 * first in, first out; a returned item goes straight to the longest waiter.
 */
export class SequencePool<T> {
  private readonly free: T[];
  private readonly waiters: Waiter<T>[] = [];
  private closed = false;

  constructor(
    items: readonly T[],
    private readonly options: SequencePoolOptions,
  ) {
    this.free = [...items];
    this.capacity = items.length;
  }

  readonly capacity: number;

  get inUse(): number {
    return this.capacity - this.free.length;
  }

  get queued(): number {
    return this.waiters.length;
  }

  /** A free item, after waiting for one if needed; null when `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<T | null> {
    if (this.closed) return Promise.reject(engineError('ENGINE_CLOSED'));
    if (signal?.aborted) return Promise.resolve(null);
    const item = this.free.pop();
    if (item !== undefined) return Promise.resolve(item);
    if (this.waiters.length >= this.options.queueLimit) {
      return Promise.reject(
        engineError('ENGINE_BUSY', { capacity: this.capacity, queueLimit: this.options.queueLimit }),
      );
    }
    return new Promise<T | null>((resolve, reject) => {
      const waiter: Waiter<T> = {
        resolve,
        reject,
        signal,
        timer: setTimeout(() => {
          this.remove(waiter);
          reject(engineError('ENGINE_QUEUE_TIMEOUT', { waitedMs: this.options.queueTimeoutMs }));
        }, this.options.queueTimeoutMs),
        onAbort: () => {
          this.remove(waiter);
          resolve(null);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Gives an item back: to the longest waiter, or to the free list. */
  release(item: T): void {
    const waiter = this.waiters.shift();
    if (!waiter) {
      this.free.push(item);
      return;
    }
    this.settle(waiter);
    waiter.resolve(item);
  }

  /** Refuses new requests and fails those waiting with ENGINE_CLOSED; lent items still come back. */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) {
      this.settle(waiter);
      waiter.reject(engineError('ENGINE_CLOSED'));
    }
  }

  private remove(waiter: Waiter<T>) {
    const index = this.waiters.indexOf(waiter);
    if (index !== -1) this.waiters.splice(index, 1);
    this.settle(waiter);
  }

  private settle(waiter: Waiter<T>) {
    clearTimeout(waiter.timer);
    waiter.signal?.removeEventListener('abort', waiter.onAbort);
  }
}
