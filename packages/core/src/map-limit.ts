/**
 * The one bounded-concurrency helper: runs `fn` over `items` with at most `limit` in
 * flight and returns the results in input order. The first failure stops new work
 * from starting and aborts the signal handed to the calls still running; it is
 * rethrown once they have settled, so nothing is left running behind a failed batch
 * (an S3 download, an upload). An abort of `signal` does the same and rethrows the
 * signal's reason.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, signal: AbortSignal) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`mapLimit limit must be a positive integer, got ${limit}`);
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (!failure && !controller.signal.aborted && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i] as T, controller.signal);
      } catch (err) {
        failure ??= { err };
        controller.abort(err);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(limit, Math.max(1, items.length)) }, worker));
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (failure) throw failure.err;
  signal?.throwIfAborted();
  return results;
}
