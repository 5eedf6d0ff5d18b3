import type { Gauge } from 'prom-client';
import type { Refusal } from './sources/refusals.js';

/** Refusals kept in the state file at most (the metric counts all of them). */
export const MAX_STATE_REFUSALS = 50;
/** New refusals logged per answer at most; the rest are summed up in one line. */
const MAX_LOGGED_PER_ANSWER = 10;

const same = (a: Refusal, b: Refusal) =>
  a.field === b.field && a.reason === b.reason && a.service === b.service && a.instance === b.instance && a.key === b.key;

/**
 * What the sources refused, by query: each new answer replaces its query's list, so a
 * fixed value stops being reported. New refusals are logged once (as pino fields, the
 * values already escaped by the sources), not on every blocking-query answer.
 */
export class RefusalLog {
  private readonly byQuery = new Map<string, Refusal[]>();
  private reportedFor: ReadonlyArray<{ id: string }> | undefined;
  private dependencyIds: ReadonlySet<string> = new Set();

  constructor(
    private readonly log: {
      warn(fields: Record<string, unknown>, message: string): void;
    },
    /**
     * Called when a query's refusals changed. The watch loop skips an answer whose
     * accepted data did not change, so a newly refused instance alone would otherwise
     * not reach the state file until some other change.
     */
    private readonly onChange: () => void = () => undefined,
  ) {}

  /** The refusals of one new answer of `queryId` (an empty list clears them). */
  set(queryId: string, refusals: readonly Refusal[]): void {
    const before = this.byQuery.get(queryId) ?? [];
    const fresh = refusals.filter((r) => !before.some((b) => same(b, r)));
    for (const r of fresh.slice(0, MAX_LOGGED_PER_ANSWER)) {
      this.log.warn({ ...r }, 'refused a value from Consul: left out of the templates\' data');
    }
    if (fresh.length > MAX_LOGGED_PER_ANSWER) {
      this.log.warn({ query: queryId, more: fresh.length - MAX_LOGGED_PER_ANSWER }, 'refused more values from Consul (see state/renderer.json)');
    }
    const changed = fresh.length > 0 || before.length !== refusals.length;
    if (refusals.length === 0) this.byQuery.delete(queryId);
    else this.byQuery.set(queryId, [...refusals]);
    if (changed) this.onChange();
  }

  /** Forgets queries no template uses any more. */
  retain(keep: ReadonlySet<string>): void {
    for (const id of this.byQuery.keys()) if (!keep.has(id)) this.byQuery.delete(id);
  }

  /** Every current refusal, by query id then order of arrival. */
  all(): Refusal[] {
    return [...this.byQuery.keys()].sort().flatMap((id) => this.byQuery.get(id) ?? []);
  }

  /** Current refusals by field kind (`meta.weight` and `tags[3]` count as `meta` and `tags`), for the metric. */
  countsByField(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of this.all()) {
      const kind = fieldKind(r.field);
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    return counts;
  }

  /**
   * After a render pass: forgets queries the templates no longer use, sets the gauge by
   * field kind, and answers the state file's fields (written with the pass's outcome).
   */
  report(dependencies: ReadonlyArray<{ id: string }>, gauge: Gauge<'field'>): { refused: Refusal[]; refusedTotal: number } {
    // The same list as last pass (the render worker sends it only when it changes): its id set is reused.
    if (dependencies !== this.reportedFor) this.dependencyIds = new Set(dependencies.map((q) => q.id));
    this.reportedFor = dependencies;
    this.retain(this.dependencyIds);
    const counts = this.countsByField();
    for (const kind of FIELD_KINDS) gauge.set({ field: kind }, counts.get(kind) ?? 0);
    return this.snapshot();
  }

  /** The state file's view: at most `MAX_STATE_REFUSALS` entries and the total. */
  snapshot(): { refused: Refusal[]; refusedTotal: number } {
    const all = this.all();
    return { refused: all.slice(0, MAX_STATE_REFUSALS), refusedTotal: all.length };
  }
}

/** The metric's `field` label values: a fixed set, whatever the (untrusted) meta keys are. */
const FIELD_KINDS = ['id', 'name', 'node', 'node.name', 'node.address', 'address', 'port', 'tags', 'meta', 'key', 'value', 'other'] as const;

/** The label value for a field (`meta.weight` -> `meta`, `tags[3]` -> `tags`). */
export function fieldKind(field: string): string {
  const kind = /^[a-z]+(?:\.(?:name|address))?/.exec(field)?.[0] ?? 'other';
  if (kind.startsWith('meta')) return 'meta';
  return (FIELD_KINDS as readonly string[]).includes(kind) ? kind : 'other';
}
