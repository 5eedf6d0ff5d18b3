/** Timers the coalescer uses; tests pass fake ones. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/**
 * consul-template's `wait {min, max}`: fire `min` after the last change, but never
 * later than `max` after the first change of a burst. Pure.
 */
export function quiescenceDeadline(firstChangeAt: number, lastChangeAt: number, minMs: number, maxMs: number): number {
  return Math.min(lastChangeAt + minMs, firstChangeAt + Math.max(minMs, maxMs));
}

/**
 * Coalesces bursts of `trigger()` calls into one `fire()` per quiet period. With
 * `leading`, a change that arrives after a quiet period (nothing pending, the last
 * fire at least `minMs` ago) fires at once, and only the changes that follow it within
 * `minMs` wait: an isolated Consul change is not held back by the quiet period it does
 * not need, while a burst still costs at most two fires (its first change, then the
 * rest together).
 */
export class Quiescence {
  private first: number | undefined;
  private timer: unknown;
  private lastFire = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly fire: () => void,
    private readonly opts: { minMs: number; maxMs: number; leading?: boolean },
    private readonly clock: Clock = systemClock,
  ) {}

  trigger(): void {
    const now = this.clock.now();
    if (this.opts.leading && this.timer === undefined && now - this.lastFire >= this.opts.minMs) {
      this.lastFire = now;
      this.fire();
      return;
    }
    this.first ??= now;
    const delay = Math.max(0, quiescenceDeadline(this.first, now, this.opts.minMs, this.opts.maxMs) - now);
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.first = undefined;
      this.lastFire = this.clock.now();
      this.fire();
    }, delay);
  }

  get pending(): boolean {
    return this.timer !== undefined;
  }

  cancel(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.first = undefined;
  }
}
