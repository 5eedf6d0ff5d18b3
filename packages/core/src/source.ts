/**
 * One kind of input (a Consul health query, a KV prefix, an S3 prefix, a directory).
 * `id` is built from every argument: two callers asking the same question share one
 * watch. `fetch` returns when the answer may have changed since `index` (a blocking
 * query), or at once for a source that can only poll.
 */
export interface Source<T> {
  readonly id: string;
  fetch(opts: { index: string | undefined; signal: AbortSignal }): Promise<FetchResult<T>>;
}

export interface FetchResult<T> {
  value: T;
  /** Opaque change marker (Consul's X-Consul-Index, an ETag). */
  index?: string;
}
