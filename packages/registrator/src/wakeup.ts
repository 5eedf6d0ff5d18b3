/**
 * Coalesces requests for a pass: any number of events while a pass runs (or while the
 * debounce waits) give exactly one more pass. `wait` resolves with the reasons seen, or
 * with `['resync']` when `timeoutMs` passes first.
 */
export class Wakeup {
  private reasons = new Set<string>();
  private waiter: (() => void) | undefined;

  request(reason: string): void {
    this.reasons.add(reason);
    this.waiter?.();
  }

  async wait(timeoutMs: number, signal: AbortSignal): Promise<string[]> {
    if (this.reasons.size === 0 && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          this.waiter = undefined;
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        signal.addEventListener('abort', done, { once: true });
        this.waiter = done;
      });
    }
    const reasons = this.drain();
    return reasons.length ? reasons : ['resync'];
  }

  /** The reasons gathered so far, cleared. */
  drain(): string[] {
    const out = [...this.reasons];
    this.reasons.clear();
    return out;
  }
}
