import {
  compareStrings,
  sortInstances,
  type CatalogService,
  type KvPair,
  type NodeInfo,
  type Query,
  type QueryValue,
  type ServiceInstance,
} from './queries.js';
import { validCatalogServices, validInstances, validKvPairs, validKvValue, type CandidateInstance, type Refusal } from './sources/refusals.js';
import { normalizeAgentSelf } from './sources/node-info.js';

/**
 * Answers template queries from memory. `undefined` means "no answer yet" (the pass
 * that met it is incomplete and must not be published); `kv.get` answers `null` for
 * a key that does not exist.
 */
export interface DataView {
  get<Q extends Query>(query: Q): QueryValue[Q['kind']] | undefined;
}

/** A DataView over a map of query id -> value (the live cache is one). */
export class MapDataView implements DataView {
  constructor(readonly values: ReadonlyMap<string, unknown> = new Map()) {}

  get<Q extends Query>(query: Q): QueryValue[Q['kind']] | undefined {
    return this.values.get(query.id) as QueryValue[Q['kind']] | undefined;
  }
}

/** A catalog snapshot for `apictl validate` and tests: every query answers from it. */
export interface CatalogFixture {
  /** Service name -> instances; missing fields get defaults (status passing, no tags). */
  services?: Record<string, Array<Partial<ServiceInstance> & { address: string; port: number }>>;
  /** Full key -> value. */
  kv?: Record<string, string>;
  node?: NodeInfo;
}

/**
 * A DataView that answers every query from a fixture, applying the tag and passing
 * filters as Consul would, and the same value checks as the Consul sources: an instance,
 * KV pair or catalog entry with a control character (or a bad address or port) is left
 * out and reported to `onRefused`.
 */
export function fixtureDataView(fixture: CatalogFixture, opts: { onRefused?: (refusal: Refusal) => void } = {}): DataView {
  const refuser = (query: Query) => (r: Omit<Refusal, 'query'>) => opts.onRefused?.({ query: query.id, ...r });
  const candidates = (name: string): CandidateInstance[] =>
    (fixture.services?.[name] ?? []).map((i, n) => ({
      id: i.id ?? `${name}-${n + 1}`,
      name,
      node: i.node ?? fixture.node?.name ?? 'node',
      address: i.address,
      port: i.port,
      tags: i.tags ?? [],
      meta: i.meta ?? {},
      status: i.status ?? 'passing',
    }));
  const kv = fixture.kv ?? {};
  const answer = (query: Query): unknown => {
    switch (query.kind) {
      case 'health.service':
        return sortInstances(
          validInstances(candidates(query.name), refuser(query)).filter(
            (i) => (query.tag === undefined || i.tags.includes(query.tag)) && (!query.passing || i.status === 'passing'),
          ),
        );
      case 'catalog.services': {
        // Consul lists every registered service with every instance's tags, good or bad.
        const tagsOf = (name: string) => candidates(name).flatMap((i) => (Array.isArray(i.tags) ? (i.tags as unknown[]) : [i.tags]));
        const entries = Object.keys(fixture.services ?? {})
          .sort(compareStrings)
          .map((name) => ({ name, tags: [...new Set(tagsOf(name))].sort() }));
        return validCatalogServices(entries, refuser(query)) satisfies CatalogService[];
      }
      case 'kv.get':
        return validKvValue(query.key, Object.hasOwn(kv, query.key) ? (kv[query.key] ?? '') : null, refuser(query));
      case 'kv.tree': {
        const pairs = Object.keys(kv)
          .filter((k) => k.startsWith(query.prefix) && !k.endsWith('/'))
          .sort(compareStrings)
          .map((path) => ({ key: path.slice(query.prefix.length).replace(/^\//, ''), path, value: kv[path] ?? '' }));
        return validKvPairs(pairs, refuser(query)) satisfies KvPair[];
      }
      case 'agent.self':
        return fixture.node
          ? normalizeAgentSelf({ Config: { NodeName: fixture.node.name, AdvertiseAddr: fixture.node.address } }, refuser(query))
          : { name: 'node', address: '127.0.0.1' };
    }
  };
  return { get: <Q extends Query>(query: Q) => answer(query) as QueryValue[Q['kind']] };
}

/** What `fixtureDataView`'s checks leave out for these queries (for `apictl validate`, whose render runs in a worker). */
export function fixtureRefusals(fixture: CatalogFixture, queries: readonly Query[]): Refusal[] {
  const refused: Refusal[] = [];
  const view = fixtureDataView(fixture, { onRefused: (r) => refused.push(r) });
  for (const query of queries) view.get(query);
  return refused;
}
