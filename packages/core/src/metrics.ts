import { Registry, collectDefaultMetrics } from 'prom-client';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';

/**
 * prom-client's gauges whose names end in `_total`: promtool flags them (a `_total`
 * suffix promises a counter), and every /metrics must pass `promtool check metrics`.
 * The same figures remain without the suffix (`nodejs_active_handles`, ...).
 */
const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/**
 * How often the event loop's delay is sampled for `nodejs_eventloop_lag_*`, ms. prom-client's
 * 10 ms default wakes every process 100 times a second: 10 ms of CPU per second each,
 * idle (measured, Node 20), 70 ms/s over the pod's seven processes, and a fifth of what a
 * health flip cost the renderer and the supervisor in the peer bench (15.9 -> 12.7 ms). Sampled
 * every 100 ms (1.6 ms/s), a stall of 100 ms or more always shows, one of 50 ms with even
 * odds.
 */
const EVENT_LOOP_SAMPLE_MS = 100;

/** One registry per process, with Node's process metrics (CPU, memory, event loop lag). */
export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
  return registry;
}

/**
 * Writes `textfile/<component>.prom` for node-exporter's textfile collector: a temp
 * file in the same directory, then rename (node-exporter may read at any moment).
 * Only the families named are written, without timestamps.
 */
export async function writeTextfile(sharedDir: string, component: string, registry: Registry, families: string[]): Promise<void> {
  const parts: string[] = [];
  for (const name of families) {
    const metric = registry.getSingleMetric(name);
    if (metric) parts.push(await registry.getSingleMetricAsString(name));
  }
  const body = parts.filter(Boolean).join('\n') + '\n';
  await writeFileAtomic(join(sharedDir, 'textfile', `${component}.prom`), body, { skipIfEqual: true, durable: false });
}

/**
 * {@link writeTextfile} at most once per `intervalMs` (default 1 s): node-exporter reads
 * the file at its scrape interval (15 s and more), while a busy stage changes its
 * figures on every Consul change; serialising 1,000 per-service series on each cost
 * more than the change itself. The first request after a quiet spell writes at once;
 * requests within the interval are folded into one write at its end.
 */
export class TextfileWriter {
  private last = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly o: {
      sharedDir: string;
      component: string;
      registry: Registry;
      families: string[];
      /** A failed write: logged by the caller, never fatal. */
      onError: (err: unknown) => void;
      intervalMs?: number;
    },
  ) {}

  /** The figures changed: written now, or once at the end of the interval. */
  request(): void {
    if (this.timer) return;
    const wait = this.last + (this.o.intervalMs ?? 1000) - Date.now();
    if (wait <= 0) {
      void this.write();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.write();
    }, wait);
    this.timer.unref();
  }

  /** Writes now, after a write under way (at shutdown, so the file holds the last figures). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.write();
  }

  private write(): Promise<void> {
    this.last = Date.now();
    const { sharedDir, component, registry, families, onError } = this.o;
    this.writing = this.writing.then(() => writeTextfile(sharedDir, component, registry, families).catch(onError));
    return this.writing;
  }
}
