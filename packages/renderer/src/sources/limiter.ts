/**
 * A FIFO semaphore: at most `max` tasks run at once, the rest wait in order.
 *
 * The renderer bounds only its *immediate* Consul requests with it (first fetches,
 * retries after an error, consistent re-queries): a template tree that starts 1,000
 * watches, or an agent that comes back after an outage, must not send 1,000 requests
 * in the same millisecond. Blocking queries are deliberately not bounded: each one sits
 * open for up to `wait` (minutes), so a bound smaller than the number of watches would
 * leave the queued watches blind to changes until some other watch's `wait` ran out.
 *
 * Not core's `mapLimit` on purpose: that one runs a known list to completion and stops
 * at the first failure; this is a long-lived gate shared by independent watches that
 * arrive at any time, where one request's failure must not stop the others.
 */
export class Limiter {
  private active = 0;
  private readonly queue: Array<{ start: () => void; cancel: (err: unknown) => void }> = [];

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`Limiter max must be a positive integer, got ${max}`);
  }

  /** Tasks running now. */
  get running(): number {
    return this.active;
  }

  /** Tasks waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Runs `task` once a slot is free; an abort while queued rejects with the signal's reason and frees nothing. */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.active < this.max) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          this.active++;
          resolve();
        },
        cancel: reject,
      };
      const onAbort = () => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  private release(): void {
    this.active--;
    this.queue.shift()?.start();
  }
}
