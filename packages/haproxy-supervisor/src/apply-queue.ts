import type { Serial } from './serial.js';

/**
 * Coalesces offered versions: one apply at a time (in the Serial shared with every other
 * step that touches HAProxy), and while one runs, only the newest offered version waits;
 * the ones it replaced are never applied. A version already taken is not taken again
 * unless {@link ApplyQueue.retry} says so.
 */
export class ApplyQueue<T extends { id: string }> {
  /** The newest offered version. */
  private wanted: T | null = null;
  /** The id of the version last taken for applying. */
  private taken: string | null = null;
  private draining: Promise<void> | undefined;
  private closed = false;

  /**
   * @param apply applies one version; a rejection goes to `onError` and the queue goes on.
   */
  constructor(
    private readonly serial: Serial,
    private readonly apply: (item: T) => Promise<void>,
    private readonly onError: (err: unknown, item: T) => void,
  ) {}

  /** Apply `item` soon, unless a newer one is offered before its turn. */
  offer(item: T): void {
    if (this.closed) return;
    this.wanted = item;
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  /** True when a version other than `id` was offered and is the one to apply next: work on `id` is moot. */
  superseded(id: string): boolean {
    return this.wanted !== null && this.wanted.id !== id;
  }

  /**
   * The newest version was taken, but what it was applied onto is gone (HAProxy reloaded
   * under it): take it again, unless it is `except`. Returns the version queued again.
   */
  retry(except: string | null = null): T | null {
    const item = this.wanted;
    if (this.closed || !item || item.id !== this.taken || item.id === except) return null;
    this.taken = null;
    this.offer(item);
    return item;
  }

  /** No more applies start; resolves when the one under way (if any) has finished. */
  async close(): Promise<void> {
    this.closed = true;
    await this.draining;
  }

  private async drain(): Promise<void> {
    while (!this.closed && this.wanted && this.wanted.id !== this.taken) {
      const item = this.wanted;
      this.taken = item.id;
      await this.serial.run(() => this.apply(item)).catch((err: unknown) => this.onError(err, item));
    }
  }
}
