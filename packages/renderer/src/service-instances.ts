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

/** What each gauge was last given, by query id: a pass sets only the series that changed. */
const reported = new WeakMap<Gauge<'service' | 'query'>, Map<string, ServiceCount>>();

/**
 * Makes the gauge's series the current counts (a service no template uses any more
 * disappears). Only changed series are touched: setting 1,000 of them on every pass cost
 * 2 ms of a health flip's render.
 */
export function reportServiceCounts(gauge: Gauge<'service' | 'query'>, counts: readonly ServiceCount[]): void {
  const before = reported.get(gauge) ?? new Map<string, ServiceCount>();
  const now = new Map(counts.map((c) => [c.query, c]));
  for (const [query, c] of before) if (!now.has(query)) gauge.remove({ service: c.service, query });
  for (const [query, c] of now) if (before.get(query)?.instances !== c.instances) gauge.set({ service: c.service, query }, c.instances);
  reported.set(gauge, now);
}
