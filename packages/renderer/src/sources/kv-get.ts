import type { KvGetQuery } from '../queries.js';
import type { ConsulClient, ConsulEndpoint } from './consul-client.js';
import { kvPath } from './kv-tree.js';
import { ConsulSource } from './consul-source.js';

/** One KV entry (the library already base64-decoded `Value`) -> its text, or null when absent. */
export function normalizeKvGet(body: unknown): string | null {
  if (!body || typeof body !== 'object') return null;
  const value = (body as { Value?: unknown }).Value;
  return typeof value === 'string' ? value : '';
}

/** `(key "path")` / `(keyOrDefault ...)`: one key, as a blocking query (404 answers null). */
export class KvGetSource extends ConsulSource<string | null> {
  constructor(
    readonly query: KvGetQuery,
    client: ConsulClient,
  ) {
    super(query.id, client);
  }

  // KV has no agent cache in Consul 1.8: `?cached` is not sent (stale reads still apply).
  protected get endpoint(): ConsulEndpoint {
    return { path: kvPath(this.query.key), kv: 'single' };
  }

  protected normalize(body: unknown): string | null {
    return normalizeKvGet(body);
  }
}
