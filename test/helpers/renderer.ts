import { ComponentProcess, getText } from './component.js';
import { freePort } from './ports.js';

/**
 * The renderer as a process (the built `dist/main.js`) on `shared` against a Consul
 * agent, metrics on a free loopback port, with quick test timings (50-500 ms
 * quiescence, 30 s blocking waits, 200 ms templates poll) unless `env` overrides them.
 * The caller stops `proc`.
 */
export async function startRenderer(shared: string, consulAddr: string, env: Record<string, string> = {}) {
  const port = await freePort();
  const metricsUrl = `http://127.0.0.1:${port}`;
  const proc = new ComponentProcess('renderer', {
    SHARED_DIR: shared,
    CONSUL_HTTP_ADDR: consulAddr,
    METRICS_ADDR: `127.0.0.1:${port}`,
    RENDER_WAIT_MIN_MS: '50',
    RENDER_WAIT_MAX_MS: '500',
    RENDER_BLOCKING_WAIT_S: '30',
    RENDER_TEMPLATES_POLL_MS: '200',
    ...env,
  }).start();
  return { proc, metricsUrl, metrics: async () => (await getText(`${metricsUrl}/metrics`)).body };
}
