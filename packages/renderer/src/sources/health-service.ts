import { sortInstances, type HealthServiceQuery, type ServiceInstance } from '../queries.js';
import type { ConsulClient, ConsulEndpoint } from './consul-client.js';
import { ConsulSource } from './consul-source.js';

interface HealthEntry {
  Node?: { Node?: string; Address?: string };
  Service?: { ID?: string; Service?: string; Address?: string; Port?: number; Tags?: string[] | null; Meta?: Record<string, string> | null };
  Checks?: Array<{ Status?: string }>;
}

const RANK = { passing: 0, warning: 1, critical: 2 } as const;

/** `/v1/health/service/<name>` entries -> instances, sorted by node then id. */
export function normalizeHealth(body: unknown): ServiceInstance[] {
  const entries = Array.isArray(body) ? (body as HealthEntry[]) : [];
  return sortInstances(
    entries.map((e) => {
      let status: ServiceInstance['status'] = 'passing';
      for (const check of e.Checks ?? []) {
        const s = (check.Status ?? 'critical') as keyof typeof RANK;
        const rank = RANK[s] ?? RANK.critical;
        if (rank > RANK[status]) status = s in RANK ? s : 'critical';
      }
      return {
        id: e.Service?.ID ?? '',
        name: e.Service?.Service ?? '',
        node: e.Node?.Node ?? '',
        // An instance registered without an address listens on its node's address.
        address: e.Service?.Address || e.Node?.Address || '',
        port: e.Service?.Port ?? 0,
        tags: [...(e.Service?.Tags ?? [])],
        meta: { ...(e.Service?.Meta ?? {}) },
        status,
      };
    }),
  );
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
      path: `/health/service/${encodeURIComponent(this.query.name)}`,
      query: { tag: this.query.tag, passing: this.query.passing ? 'true' : undefined, dc: this.query.dc },
      cacheable: true,
    };
  }

  protected normalize(body: unknown): ServiceInstance[] {
    return normalizeHealth(body);
  }
}
