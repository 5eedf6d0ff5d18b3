import { mapLimit } from '../../packages/core/src/map-limit.js';

/**
 * Runs `fn` over `items` with at most `concurrency` calls in flight (bulk Consul registrations):
 * core's `mapLimit`, with `fn` called on the item alone (some callers give their second parameter a default).
 */
export async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  await mapLimit(items, concurrency, (item) => fn(item));
}
