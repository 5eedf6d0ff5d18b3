import { isDeepStrictEqual } from 'node:util';
import { backoffDelay, pause, type BackoffOptions } from './backoff.js';
import { isAbortError } from './errors.js';
import type { Source } from './source.js';

export interface WatchOptions<T> {
  signal: AbortSignal;
  /** Called with each value that differs from the last one delivered, and the index of the answer that carried it. */
  onChange: (value: T, index: string | undefined) => void | Promise<void>;
  /** Called on each failed fetch; the loop retries with backoff. */
  onError?: (err: unknown, attempt: number, delayMs: number) => void;
  /** Called after each successful fetch, changed or not. */
  onFetch?: (changed: boolean) => void;
  /** Minimum gap between two fetches, ms (a poll interval, or a floor for blocking queries). */
  minGapMs?: number;
  /** Random extra gap up to this fraction of minGapMs, so nodes spread out. */
  jitter?: number;
  /**
   * With a `burst`, `minGapMs` is a rate (one fetch per minGapMs on average) instead of
   * a gap after every fetch: up to `burst` fetches may follow each other at once (the
   * first changes after a quiet spell are seen immediately), then the gap applies until
   * the budget refills. Unset: the plain gap (a poll interval).
   */
  burst?: number;
  backoff?: BackoffOptions;
  /** Equality used to skip identical results. */
  equal?: (a: T, b: T) => boolean;
}

/**
 * The one watch loop every source runs in: remembers the
 * index, resets it when it goes backwards (a Consul restart or snapshot restore),
 * skips identical results, paces calls, and retries with jittered backoff forever.
 * Resolves when the signal aborts.
 */
export async function watch<T>(source: Source<T>, opts: WatchOptions<T>): Promise<void> {
  const equal = opts.equal ?? isDeepStrictEqual;
  let index: string | undefined;
  let last: { value: T } | undefined;
  let failures = 0;
  const bucket = { tokens: opts.burst ?? 0, at: Date.now() };
  while (!opts.signal.aborted) {
    const started = Date.now();
    try {
      const result = await source.fetch({ index, signal: opts.signal });
      failures = 0;
      index = nextIndex(index, result.index);
      const changed = last === undefined || !equal(last.value, result.value);
      opts.onFetch?.(changed);
      if (changed) {
        await opts.onChange(result.value, result.index);
        // Only once handled: a value whose handling failed is delivered again next time.
        last = { value: result.value };
      }
    } catch (err) {
      if (opts.signal.aborted && isAbortError(err)) return;
      // Start over without an index: a restarted Consul counts from a low index again,
      // and a blocking query on the old one would sit out its whole wait.
      index = undefined;
      failures++;
      const delay = backoffDelay(failures, opts.backoff);
      opts.onError?.(err, failures, delay);
      if (!(await pause(delay, opts.signal))) return;
      continue;
    }
    const minGap = opts.minGapMs ?? 0;
    const jitter = minGap * Math.random() * (opts.jitter ?? 0);
    let gap = minGap + jitter - (Date.now() - started);
    if (opts.burst !== undefined) {
      const wait = paceDelay(bucket, Date.now(), minGap, opts.burst);
      gap = wait > 0 ? wait + jitter : 0;
    }
    if (gap > 0 && !(await pause(gap, opts.signal))) return;
  }
}

/**
 * Token bucket for `burst`: refills one token per `minGapMs` up to `burst`; a fetch
 * takes one. Returns how long to wait before the next fetch (0: at once) and updates
 * `bucket` (tokens, and the time they were counted). Pure but for the mutation.
 */
export function paceDelay(bucket: { tokens: number; at: number }, now: number, minGapMs: number, burst: number): number {
  if (minGapMs <= 0) return 0;
  bucket.tokens = Math.min(burst, bucket.tokens + Math.max(0, now - bucket.at) / minGapMs);
  bucket.at = now;
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return 0;
  }
  const wait = (1 - bucket.tokens) * minGapMs;
  // The token that accrues while waiting is the one the next fetch takes.
  bucket.tokens = 0;
  bucket.at = now + wait;
  return wait;
}

/**
 * Consul's rule for blocking indexes: an index that goes backwards, or is not a
 * positive number, restarts from zero. Non-numeric markers (ETags) pass through.
 */
export function nextIndex(previous: string | undefined, next: string | undefined): string | undefined {
  if (next === undefined) return undefined;
  if (!/^\d+$/.test(next)) return next;
  const n = BigInt(next);
  if (n <= 0n) return undefined;
  if (previous !== undefined && /^\d+$/.test(previous) && n < BigInt(previous)) return undefined;
  return next;
}
