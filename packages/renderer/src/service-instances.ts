import type { Gauge } from 'prom-client';
import type { Query } from './queries.js';

/** One `(service ..)` query the templates use and how many instances it answers now. */
export interface ServiceCount {
  service: string;
  query: string;
  instances: number;
}

/**
 * The instance count of every health query the templates use. HAProxy reports a
 * backend with zero servers as UP, so a service with no healthy instance would alert on
 * nothing; this count (`renderer_service_instances`) is what an alert watches instead.
 * Queries with no answer yet are left out (they are "waiting", not empty). Pure.
 */
export function serviceCounts(dependencies: readonly Query[], answers: ReadonlyMap<string, unknown>): ServiceCount[] {
  const out: ServiceCount[] = [];
  for (const query of dependencies) {
    if (query.kind !== 'health.service') continue;
    const value = answers.get(query.id);
    if (!Array.isArray(value)) continue;
    out.push({ service: query.name, query: query.id, instances: value.length });
  }
  return out;
}

/** Replaces the gauge's series with the current counts (a service no template uses any more disappears). */
export function reportServiceCounts(gauge: Gauge<'service' | 'query'>, counts: readonly ServiceCount[]): void {
  gauge.reset();
  for (const c of counts) gauge.set({ service: c.service, query: c.query }, c.instances);
}
