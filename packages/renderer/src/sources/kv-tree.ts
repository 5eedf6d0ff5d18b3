import { compareStrings, type KvPair, type KvTreeQuery } from '../queries.js';
import type { ConsulClient, ConsulEndpoint } from './consul-client.js';
import { ConsulSource } from './consul-source.js';

/** Recursive KV listing -> `[{key, path, value}]`, folders (keys ending in `/`) left out, by path. */
export function normalizeKvTree(prefix: string, body: unknown): KvPair[] {
  const items = Array.isArray(body) ? (body as Array<{ Key?: string; Value?: unknown }>) : [];
  return items
    .filter((i) => typeof i.Key === 'string' && !i.Key.endsWith('/'))
    .map((i) => {
      const path = i.Key as string;
      return { key: path.slice(prefix.length).replace(/^\/+/, ''), path, value: typeof i.Value === 'string' ? i.Value : '' };
    })
    .sort((a, b) => compareStrings(a.path, b.path));
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
    return { path: kvPath(this.query.prefix), query: { recurse: 'true' }, kv: 'list' };
  }

  protected normalize(body: unknown): KvPair[] {
    return normalizeKvTree(this.query.prefix, body);
  }
}

/** `/kv/<key>` with each path segment encoded (slashes stay separators). */
export function kvPath(key: string): string {
  return `/kv/${key.split('/').map(encodeURIComponent).join('/')}`;
}
