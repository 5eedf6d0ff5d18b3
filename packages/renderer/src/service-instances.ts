import type { Gauge } from 'prom-client';
import type { Query } from './queries.js';

/** What a series was last set from: the answer (by identity) and its count. */
interface Counted {
  answer: unknown;
  service: string;
  instances: number;
}

/**
 * `renderer_service_instances`: the instance count of every health query the templates
 * use. HAProxy reports a backend with zero servers as UP, so a service with no healthy
 * instance would alert on nothing; this count is what an alert watches instead. Queries
 * with no answer yet are left out (they are "waiting", not empty); a service no template
 * uses any more disappears.
 *
 * Incremental on purpose: answers are replaced, never mutated, so a pass touches only
 * the series whose answer object changed, and walks the dependency list for removals only
 * when the list itself is a new one (the render worker resends it only when it changes).
 * Counting and setting 1,000 series on every pass cost ~2 ms of a health flip's render
 * and most of its garbage.
 */
export class ServiceCounts {
  private readonly counted = new Map<string, Counted>();
  private dependencies: readonly Query[] | undefined;

  constructor(private readonly gauge: Gauge<'service' | 'query'>) {}

  report(dependencies: readonly Query[], answers: ReadonlyMap<string, unknown>): void {
    if (dependencies !== this.dependencies) {
      this.dependencies = dependencies;
      const used = new Set(dependencies.map((q) => q.id));
      for (const [id, c] of this.counted) if (!used.has(id)) this.drop(id, c);
    }
    for (let i = 0; i < dependencies.length; i++) {
      const query = dependencies[i]!;
      if (query.kind !== 'health.service') continue;
      const answer = answers.get(query.id);
      const before = this.counted.get(query.id);
      if (before?.answer === answer) continue;
      if (!Array.isArray(answer)) {
        if (before) this.drop(query.id, before);
        continue;
      }
      if (before?.instances !== answer.length) this.gauge.set({ service: query.name, query: query.id }, answer.length);
      this.counted.set(query.id, { answer, service: query.name, instances: answer.length });
    }
  }

  private drop(id: string, c: Counted): void {
    this.gauge.remove({ service: c.service, query: id });
    this.counted.delete(id);
  }
}
