import { familyHeader, formatLabels, formatValue } from '../exposition.js';

/** Bounds on one metric's label sets (FIELD-NOTES: mtail slows badly past 10,000). */
export interface SeriesLimits {
  /** Label sets one metric may hold; updates for new ones beyond it go to one overflow series. */
  maxSeries: number;
  /** A label set untouched this long is dropped. */
  ttlMs: number;
}

/** Label value of every label of the overflow series. */
export const OVERFLOW_LABEL = '__overflow__';

interface Series {
  /** Pre-rendered `{a="x",b="y"}`: rendering 10,000 series must be string appends only. */
  labels: string;
  touched: number;
}

interface CounterSeries extends Series {
  value: number;
}

interface HistogramSeries extends Series {
  /** Per-bucket (non-cumulative) counts; the last slot is +Inf. */
  counts: Float64Array;
  sum: number;
  count: number;
}

/**
 * One metric family with bounded cardinality. When the cap is reached, updates for
 * new label sets are folded into a single series whose labels are all
 * `__overflow__`, so totals stay right while the cap shows up in
 * `log_metrics_series_overflow_total`.
 */
abstract class Family<S extends Series> {
  readonly series = new Map<string, S>();
  private overflowSeries: S | undefined;
  /** Updates that went to the overflow series. */
  overflowed = 0;
  /** Label sets dropped for being idle. */
  expired = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly limits: SeriesLimits,
  ) {}

  protected lookup(values: readonly string[], now: number): S {
    const key = values.length === 1 ? (values[0] as string) : values.join('\u0001');
    const found = this.series.get(key);
    if (found) {
      found.touched = now;
      return found;
    }
    if (this.series.size >= this.limits.maxSeries) {
      this.overflowed++;
      this.overflowSeries ??= this.create(formatLabels(this.labelNames, this.labelNames.map(() => OVERFLOW_LABEL)));
      this.overflowSeries.touched = now;
      return this.overflowSeries;
    }
    const created = this.create(formatLabels(this.labelNames, values));
    created.touched = now;
    this.series.set(key, created);
    return created;
  }

  /** Drops label sets idle for longer than the TTL; returns how many. */
  expire(now: number): number {
    let dropped = 0;
    for (const [key, s] of this.series) {
      if (now - s.touched > this.limits.ttlMs) {
        this.series.delete(key);
        dropped++;
      }
    }
    if (this.overflowSeries && now - this.overflowSeries.touched > this.limits.ttlMs) this.overflowSeries = undefined;
    this.expired += dropped;
    return dropped;
  }

  /** Label sets held now, the overflow series included. */
  get size(): number {
    return this.series.size + (this.overflowSeries ? 1 : 0);
  }

  /** Appends this family's exposition text to `out`, yielding every `yieldEvery` series. */
  async render(out: string[], yieldEvery: number, yieldFn: () => Promise<void>): Promise<void> {
    if (this.size === 0) return;
    out.push(familyHeader(this.name, this.help, this.type));
    let n = 0;
    for (const s of this.series.values()) {
      out.push(this.format(s));
      if (++n % yieldEvery === 0) await yieldFn();
    }
    if (this.overflowSeries) out.push(this.format(this.overflowSeries));
  }

  abstract readonly type: 'counter' | 'histogram';
  protected abstract create(labels: string): S;
  protected abstract format(series: S): string;
}

export class CounterFamily extends Family<CounterSeries> {
  readonly type = 'counter';

  inc(values: readonly string[], by: number, now: number): void {
    this.lookup(values, now).value += by;
  }

  /** The current value for a label set (tests and benchmarks). */
  get(values: readonly string[]): number | undefined {
    return this.series.get(values.join('\u0001'))?.value;
  }

  protected create(labels: string): CounterSeries {
    return { labels, touched: 0, value: 0 };
  }

  protected format(s: CounterSeries): string {
    return `${this.name}${s.labels} ${formatValue(s.value)}\n`;
  }
}

export class HistogramFamily extends Family<HistogramSeries> {
  readonly type = 'histogram';
  private readonly bucketLabels: string[];

  constructor(name: string, help: string, labelNames: readonly string[], limits: SeriesLimits, readonly buckets: readonly number[]) {
    super(name, help, labelNames, limits);
    this.bucketLabels = [...buckets.map((b) => formatValue(b)), '+Inf'];
  }

  observe(values: readonly string[], value: number, now: number): void {
    const s = this.lookup(values, now);
    let i = 0;
    while (i < this.buckets.length && value > (this.buckets[i] as number)) i++;
    s.counts[i] = (s.counts[i] as number) + 1;
    s.sum += value;
    s.count++;
  }

  protected create(labels: string): HistogramSeries {
    return { labels, touched: 0, counts: new Float64Array(this.buckets.length + 1), sum: 0, count: 0 };
  }

  protected format(s: HistogramSeries): string {
    // `{a="x"}` -> `{a="x",le="0.1"}`; no labels -> `{le="0.1"}`.
    const prefix = s.labels === '' ? `${this.name}_bucket{` : `${this.name}_bucket${s.labels.slice(0, -1)},`;
    let out = '';
    let cumulative = 0;
    for (let i = 0; i < this.bucketLabels.length; i++) {
      cumulative += s.counts[i] as number;
      out += `${prefix}le="${this.bucketLabels[i]}"} ${cumulative}\n`;
    }
    return `${out}${this.name}_sum${s.labels} ${formatValue(s.sum)}\n${this.name}_count${s.labels} ${s.count}\n`;
  }
}

export type AnyFamily = CounterFamily | HistogramFamily;

/**
 * Renders families and their cardinality metrics without holding the event loop:
 * it yields (setImmediate) every `yieldEvery` series, so a scrape of 10,000 label
 * sets never stalls the tailer or a concurrent /healthz.
 */
export async function renderFamilies(families: readonly AnyFamily[], yieldEvery = 1000): Promise<string> {
  const out: string[] = [];
  const yieldFn = () => new Promise<void>((resolve) => setImmediate(resolve));
  for (const family of families) await family.render(out, yieldEvery, yieldFn);
  const meta: Array<[string, string, 'gauge' | 'counter', (f: AnyFamily) => number]> = [
    ['log_metrics_series', 'Label sets held per log-derived metric.', 'gauge', (f) => f.size],
    ['log_metrics_series_limit', 'Most label sets a log-derived metric may hold before new ones fold into the overflow series.', 'gauge', (f) => f.limits.maxSeries],
    ['log_metrics_series_overflow_total', 'Updates folded into the overflow series because the label-set cap was reached.', 'counter', (f) => f.overflowed],
    ['log_metrics_series_expired_total', 'Label sets dropped after being idle for the TTL.', 'counter', (f) => f.expired],
  ];
  for (const [name, help, type, value] of meta) {
    out.push(familyHeader(name, help, type));
    for (const f of families) out.push(`${name}{metric="${f.name}"} ${value(f)}\n`);
  }
  return out.join('');
}
