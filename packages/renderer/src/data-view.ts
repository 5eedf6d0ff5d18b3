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

/** A DataView that answers every query from a fixture, applying the tag and passing filters as Consul would. */
export function fixtureDataView(fixture: CatalogFixture): DataView {
  const instances = (name: string): ServiceInstance[] =>
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
          instances(query.name).filter(
            (i) => (query.tag === undefined || i.tags.includes(query.tag)) && (!query.passing || i.status === 'passing'),
          ),
        );
      case 'catalog.services':
        return Object.keys(fixture.services ?? {})
          .sort(compareStrings)
          .map((name): CatalogService => ({ name, tags: [...new Set(instances(name).flatMap((i) => i.tags))].sort(compareStrings) }));
      case 'kv.get':
        return Object.hasOwn(kv, query.key) ? kv[query.key] : null;
      case 'kv.tree':
        return Object.keys(kv)
          .filter((k) => k.startsWith(query.prefix) && !k.endsWith('/'))
          .sort(compareStrings)
          .map((path): KvPair => ({ key: path.slice(query.prefix.length).replace(/^\//, ''), path, value: kv[path] ?? '' }));
      case 'agent.self':
        return fixture.node ?? { name: 'node', address: '127.0.0.1' };
    }
  };
  return { get: <Q extends Query>(query: Q) => answer(query) as QueryValue[Q['kind']] };
}
