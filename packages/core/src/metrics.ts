import { Registry, collectDefaultMetrics } from 'prom-client';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';

/**
 * prom-client's gauges whose names end in `_total`: promtool flags them (a `_total`
 * suffix promises a counter), and every /metrics must pass `promtool check metrics`.
 * The same figures remain without the suffix (`nodejs_active_handles`, ...).
 */
const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** One registry per process, with Node's process metrics (CPU, memory, event loop lag). */
export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
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
