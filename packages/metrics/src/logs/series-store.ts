import { familyHeader, formatLabels, formatValue, type ChunkWriter } from '../outputs/exposition.js';

export type { ChunkWriter };

/** Bounds on one metric's label sets (measured here: mtail slows badly past 10,000). */
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
  /** Index into the family's pool: bucket counts (non-cumulative, +Inf last), then sum, then count. */
  slot: number;
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
        this.release(s);
        dropped++;
      }
    }
    if (this.overflowSeries && now - this.overflowSeries.touched > this.limits.ttlMs) {
      this.release(this.overflowSeries);
      this.overflowSeries = undefined;
    }
    this.expired += dropped;
    return dropped;
  }

  /** Label sets held now, the overflow series included. */
  get size(): number {
    return this.series.size + (this.overflowSeries ? 1 : 0);
  }

  /** The family's exposition text, one string per series (the header first). */
  *lines(): Generator<string> {
    if (this.size === 0) return;
    yield familyHeader(this.name, this.help, this.type);
    for (const s of this.series.values()) yield this.format(s);
    if (this.overflowSeries) yield this.format(this.overflowSeries);
  }

  /** Called when a label set is dropped (histograms free their slot). */
  protected release(_series: S): void {}

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

/**
 * A histogram family. The numbers of all its series live in one growable
 * Float64Array (a typed array per series would cost ~200 bytes of object overhead
 * each, which at 10,000 label sets is most of the memory).
 */
export class HistogramFamily extends Family<HistogramSeries> {
  readonly type = 'histogram';
  private readonly bucketLabels: string[];
  private readonly width: number;
  private pool: Float64Array;
  private used = 0;
  private readonly free: number[] = [];

  constructor(name: string, help: string, labelNames: readonly string[], limits: SeriesLimits, readonly buckets: readonly number[]) {
    super(name, help, labelNames, limits);
    this.bucketLabels = [...buckets.map((b) => formatValue(b)), '+Inf'];
    this.width = buckets.length + 3;
    this.pool = new Float64Array(this.width * 64);
  }

  observe(values: readonly string[], value: number, now: number): void {
    const base = this.lookup(values, now).slot * this.width;
    let i = 0;
    while (i < this.buckets.length && value > (this.buckets[i] as number)) i++;
    const pool = this.pool;
    pool[base + i] = (pool[base + i] as number) + 1;
    pool[base + this.width - 2] = (pool[base + this.width - 2] as number) + value;
    pool[base + this.width - 1] = (pool[base + this.width - 1] as number) + 1;
  }

  protected create(labels: string): HistogramSeries {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.used++;
      if (this.used * this.width > this.pool.length) {
        const grown = new Float64Array(this.pool.length * 2);
        grown.set(this.pool);
        this.pool = grown;
      }
    }
    this.pool.fill(0, slot * this.width, (slot + 1) * this.width);
    return { labels, touched: 0, slot };
  }

  protected override release(series: HistogramSeries): void {
    this.free.push(series.slot);
  }

  protected format(s: HistogramSeries): string {
    // `{a="x"}` -> `{a="x",le="0.1"}`; no labels -> `{le="0.1"}`.
    const prefix = s.labels === '' ? `${this.name}_bucket{` : `${this.name}_bucket${s.labels.slice(0, -1)},`;
    const base = s.slot * this.width;
    let out = '';
    let cumulative = 0;
    for (let i = 0; i < this.bucketLabels.length; i++) {
      cumulative += this.pool[base + i] as number;
      out += `${prefix}le="${this.bucketLabels[i]}"} ${cumulative}\n`;
    }
    const sum = this.pool[base + this.width - 2] as number;
    const count = this.pool[base + this.width - 1] as number;
    return `${out}${this.name}_sum${s.labels} ${formatValue(sum)}\n${this.name}_count${s.labels} ${count}\n`;
  }
}

export type AnyFamily = CounterFamily | HistogramFamily;

/**
 * Streams families and their cardinality metrics in chunks of `chunkSeries` series:
 * memory stays bounded whatever the series count, and the writer (an HTTP response
 * honouring backpressure) gives the event loop a turn between chunks, so a scrape of
 * 10,000 label sets never stalls the tailer or /healthz.
 */
export async function streamFamilies(families: readonly AnyFamily[], write: ChunkWriter, chunkSeries = 100): Promise<void> {
  let parts: string[] = [];
  const flush = async () => {
    if (parts.length === 0) return;
    const chunk = parts.join('');
    parts = [];
    await write(chunk);
  };
  for (const family of families) {
    for (const text of family.lines()) {
      parts.push(text);
      if (parts.length >= chunkSeries) await flush();
    }
  }
  const meta: Array<[string, string, 'gauge' | 'counter', (f: AnyFamily) => number]> = [
    ['log_metrics_series', 'Label sets held per log-derived metric.', 'gauge', (f) => f.size],
    ['log_metrics_series_limit', 'Most label sets a log-derived metric may hold before new ones fold into the overflow series.', 'gauge', (f) => f.limits.maxSeries],
    ['log_metrics_series_overflow_total', 'Updates folded into the overflow series because the label-set cap was reached.', 'counter', (f) => f.overflowed],
    ['log_metrics_series_expired_total', 'Label sets dropped after being idle for the TTL.', 'counter', (f) => f.expired],
  ];
  for (const [name, help, type, value] of meta) {
    parts.push(familyHeader(name, help, type));
    for (const f of families) parts.push(`${name}{metric="${f.name}"} ${value(f)}\n`);
  }
  await flush();
}

/** The whole exposition text as one string (tests, small registries). */
export async function renderFamilies(families: readonly AnyFamily[]): Promise<string> {
  const out: string[] = [];
  await streamFamilies(families, (chunk) => {
    out.push(chunk);
  });
  return out.join('');
}
