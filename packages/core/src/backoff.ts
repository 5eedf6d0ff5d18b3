import { setTimeout as sleep } from 'node:timers/promises';
import { isAbortError } from './errors.js';

export interface BackoffOptions {
  /** First delay, ms. */
  initialMs: number;
  /** Ceiling, ms. */
  maxMs: number;
  /** Growth per attempt. */
  factor?: number;
}

const defaultBackoff: BackoffOptions = { initialMs: 250, maxMs: 30_000, factor: 2 };

/**
 * Delay before retry number `attempt` (1-based): exponential with "full jitter", so
 * a fleet of nodes that lost the same upstream does not retry in lockstep.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = defaultBackoff, random = Math.random): number {
  const ceiling = Math.min(opts.maxMs, opts.initialMs * (opts.factor ?? 2) ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Runs `fn` until it succeeds or the signal aborts. Never gives up by count: a
 * dependency that stays down must not make the process exit (consul-template #2045).
 */
export async function retryForever<T>(
  fn: (attempt: number) => Promise<T>,
  opts: { signal: AbortSignal; backoff?: BackoffOptions; onError?: (err: unknown, attempt: number, delayMs: number) => void },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    opts.signal.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (err) {
      if (opts.signal.aborted && isAbortError(err)) throw err;
      const delay = backoffDelay(attempt, opts.backoff);
      opts.onError?.(err, attempt, delay);
      await sleep(delay, undefined, { signal: opts.signal });
    }
  }
}

/** Sleep that resolves false instead of throwing when aborted. */
export async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
