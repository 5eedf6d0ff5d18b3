import { compareStrings, type KvPair, type KvTreeQuery } from '../queries.js';
import type { ConsulClient, ConsulEndpoint } from './consul-client.js';
import { ConsulSource } from './consul-source.js';
import { kvPath } from './kv-path.js';
import { validKvPairs, type Refuse } from './refusals.js';

/**
 * Recursive KV listing -> `[{key, path, value}]`, folders (keys ending in `/`) left out,
 * by path. A pair whose key or value carries a control character (or is too long) is
 * left out and reported to `refuse`.
 */
export function normalizeKvTree(prefix: string, body: unknown, refuse?: Refuse): KvPair[] {
  const items = Array.isArray(body) ? (body as Array<{ Key?: string; Value?: unknown }>) : [];
  const candidates = items
    .filter((i) => typeof i.Key === 'string' && !i.Key.endsWith('/'))
    .map((i) => {
      const path = i.Key as string;
      return { key: path.slice(prefix.length).replace(/^\/+/, ''), path, value: typeof i.Value === 'string' ? i.Value : '' };
    });
  return validKvPairs(candidates, refuse).sort((a, b) => compareStrings(a.path, b.path));
}

/** `(tree "prefix")`: every key under a prefix, as a blocking query. */
export class KvTreeSource extends ConsulSource<KvPair[]> {
  constructor(
    readonly query: KvTreeQuery,
    client: ConsulClient,
  ) {
    super(query.id, client);
  }

  protected get endpoint(): ConsulEndpoint {
    return { path: kvPath(this.query.prefix, 'prefix'), query: { recurse: 'true' }, kv: 'list' };
  }

  protected normalize(body: unknown, refuse: Refuse): KvPair[] {
    return normalizeKvTree(this.query.prefix, body, refuse);
  }
}
