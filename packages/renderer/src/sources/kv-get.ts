import type { KvGetQuery } from '../queries.js';
import type { ConsulClient, ConsulEndpoint } from './consul-client.js';
import { ConsulSource } from './consul-source.js';
import { kvPath } from './kv-path.js';
import { validKvValue, type Refuse } from './refusals.js';

/**
 * One KV entry (the client already base64-decoded `Value`) -> its text, or null when
 * absent. A value with a control character (or too long) is reported to `refuse` and
 * answered as absent: `keyOrDefault` falls back, `key` fails the template.
 */
export function normalizeKvGet(body: unknown, refuse?: Refuse): string | null {
  if (!body || typeof body !== 'object') return null;
  const { Key, Value } = body as { Key?: unknown; Value?: unknown };
  return validKvValue(typeof Key === 'string' ? Key : '', typeof Value === 'string' ? Value : '', refuse);
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
    return { path: kvPath(this.query.key, 'key'), kv: 'single' };
  }

  protected normalize(body: unknown, refuse: Refuse): string | null {
    return normalizeKvGet(body, refuse);
  }
}
