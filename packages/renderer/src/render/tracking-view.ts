import type { DataView } from '../data-view.js';
import type { Query, QueryValue } from '../queries.js';

/**
 * A DataView that notes which template read which query. A held template keeps its
 * watches (the data that would let it render again must still be watched) even in a
 * pass that did not render it.
 */
export class TrackingView implements DataView {
  /** The top-level template being rendered; partials count for it. */
  current: string | undefined;
  private readonly reads = new Map<string, Set<string>>();

  constructor(private readonly inner: DataView) {}

  get<Q extends Query>(query: Q): QueryValue[Q['kind']] | undefined {
    if (this.current !== undefined) {
      let ids = this.reads.get(this.current);
      if (!ids) this.reads.set(this.current, (ids = new Set()));
      ids.add(query.id);
    }
    return this.inner.get(query);
  }

  /** The answer without noting a read (IterationMemo checks a cached iteration's reads first). */
  peek<Q extends Query>(query: Q): QueryValue[Q['kind']] | undefined {
    return this.inner.get(query);
  }

  /** Template -> query ids, both sorted. */
  usedBy(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const template of [...this.reads.keys()].sort()) out[template] = [...(this.reads.get(template) ?? [])].sort();
    return out;
  }
}
