import { sortInstances, type HealthServiceQuery, type ServiceInstance } from '../queries.js';
import type { ConsulClient, ConsulEndpoint } from './consul-client.js';
import { ConsulSource } from './consul-source.js';
import { serviceNamePath } from './kv-path.js';
import { validInstances, type CandidateInstance, type Refuse } from './refusals.js';

interface HealthEntry {
  Node?: { Node?: string; Address?: string };
  Service?: { ID?: unknown; Service?: unknown; Address?: unknown; Port?: unknown; Tags?: unknown; Meta?: unknown };
  Checks?: Array<{ Status?: string }>;
}

const RANK = { passing: 0, warning: 1, critical: 2 } as const;

/**
 * `/v1/health/service/<name>` entries -> instances, sorted by node then id. An instance
 * with a value templates must not see (a newline in its address, meta or tags; a bad
 * port) is left out and reported to `refuse` (see `refusals.ts`).
 */
export function normalizeHealth(body: unknown, refuse?: Refuse): ServiceInstance[] {
  const entries = Array.isArray(body) ? (body as HealthEntry[]) : [];
  const candidates = entries.map((e): CandidateInstance => {
      let status: ServiceInstance['status'] = 'passing';
      for (const check of e.Checks ?? []) {
        const s = (check.Status ?? 'critical') as keyof typeof RANK;
        const rank = Object.hasOwn(RANK, s) ? RANK[s] : RANK.critical;
        if (rank > RANK[status]) status = Object.hasOwn(RANK, s) ? s : 'critical';
      }
      const tags = e.Service?.Tags ?? [];
      const meta = e.Service?.Meta ?? {};
      return {
        id: e.Service?.ID ?? '',
        name: e.Service?.Service ?? '',
        node: e.Node?.Node ?? '',
        // An instance registered without an address listens on its node's address.
        address: e.Service?.Address || e.Node?.Address || '',
        port: e.Service?.Port ?? 0,
        tags: Array.isArray(tags) ? [...tags] : tags,
        meta: typeof meta === 'object' && !Array.isArray(meta) ? { ...meta } : meta,
        status,
      };
  });
  return sortInstances(validInstances(candidates, refuse));
}

/** `(service "name" ...)`: the instances of one service, as a blocking query. */
export class HealthServiceSource extends ConsulSource<ServiceInstance[]> {
  constructor(
    readonly query: HealthServiceQuery,
    client: ConsulClient,
  ) {
    super(query.id, client);
  }

  // Consul 1.8 caches this endpoint in the agent with background refresh (`?cached`),
  // blocking queries included (checked against a 1.8.7 agent: X-Cache, index, wait).
  protected get endpoint(): ConsulEndpoint {
    return {
      path: serviceNamePath(this.query.name),
      query: { tag: this.query.tag, passing: this.query.passing ? 'true' : undefined, dc: this.query.dc },
      cacheable: true,
    };
  }

  protected normalize(body: unknown, refuse: Refuse): ServiceInstance[] {
    return normalizeHealth(body, refuse);
  }
}
