/**
 * The questions a template can ask, as plain data. A query's `id` holds every
 * argument, so two templates asking the same question share one cache entry and one
 * Consul watch (consul-template's `Dependency.String()`). Pure: no I/O here.
 */

/** One healthy (or, with `passing=false`, any) instance of a service. */
export interface ServiceInstance {
  id: string;
  /** Service name as registered. */
  name: string;
  node: string;
  /** The service address, or the node address when the service has none. */
  address: string;
  port: number;
  tags: string[];
  meta: Record<string, string>;
  /** Worst check status: passing, warning or critical. */
  status: 'passing' | 'warning' | 'critical';
}

/** One entry of `(services)`. */
export interface CatalogService {
  name: string;
  tags: string[];
}

/** One entry of `(tree "prefix")`: `key` relative to the prefix, `path` the full key. */
export interface KvPair {
  key: string;
  path: string;
  value: string;
}

/** This node, from `NODE_NAME`/`NODE_IP` or the agent's `/v1/agent/self`. */
export interface NodeInfo {
  name: string;
  address: string;
}

export interface HealthServiceQuery {
  kind: 'health.service';
  id: string;
  name: string;
  tag: string | undefined;
  /** True: only instances whose checks all pass (the default). */
  passing: boolean;
  dc: string | undefined;
}

export interface CatalogServicesQuery {
  kind: 'catalog.services';
  id: string;
  dc: string | undefined;
}

export interface KvGetQuery {
  kind: 'kv.get';
  id: string;
  key: string;
}

export interface KvTreeQuery {
  kind: 'kv.tree';
  id: string;
  prefix: string;
}

export interface AgentSelfQuery {
  kind: 'agent.self';
  id: string;
}

export type Query = HealthServiceQuery | CatalogServicesQuery | KvGetQuery | KvTreeQuery | AgentSelfQuery;

/** What each kind of query answers with. `kv.get` answers null for a missing key. */
export interface QueryValue {
  'health.service': ServiceInstance[];
  'catalog.services': CatalogService[];
  'kv.get': string | null;
  'kv.tree': KvPair[];
  'agent.self': NodeInfo;
}

const enc = (s: string) => encodeURIComponent(s);

export function healthServiceQuery(name: string, opts: { tag?: string; passing?: boolean; dc?: string } = {}): HealthServiceQuery {
  const passing = opts.passing ?? true;
  const args = [enc(name)];
  if (opts.tag !== undefined) args.push(`tag=${enc(opts.tag)}`);
  if (!passing) args.push('passing=false');
  if (opts.dc !== undefined) args.push(`dc=${enc(opts.dc)}`);
  return { kind: 'health.service', id: `health.service(${args.join(',')})`, name, tag: opts.tag, passing, dc: opts.dc };
}

export function catalogServicesQuery(dc?: string): CatalogServicesQuery {
  return { kind: 'catalog.services', id: dc === undefined ? 'catalog.services' : `catalog.services(dc=${enc(dc)})`, dc };
}

export function kvGetQuery(key: string): KvGetQuery {
  return { kind: 'kv.get', id: `kv.get(${enc(key)})`, key };
}

export function kvTreeQuery(prefix: string): KvTreeQuery {
  return { kind: 'kv.tree', id: `kv.tree(${enc(prefix)})`, prefix };
}

export function agentSelfQuery(): AgentSelfQuery {
  return { kind: 'agent.self', id: 'agent.self' };
}

/** Byte-order comparison: the same on every node, unlike localeCompare. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Instances by node, then id: a stable order, so equal catalogs render equal bytes. */
export function sortInstances(instances: ServiceInstance[]): ServiceInstance[] {
  return [...instances].sort((a, b) => compareStrings(a.node, b.node) || compareStrings(a.id, b.id));
}
