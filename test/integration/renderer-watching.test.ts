import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishVersion } from '../../packages/core/src/index.js';
import { ComponentProcess, getText } from '../helpers/component.js';
import { ConsulDev } from '../helpers/consul.js';
import { metricValue } from '../helpers/pipeline.js';
import { freePort, waitFor } from '../helpers/ports.js';

/**
 * "Fast, gentle watching" against a real `consul agent -dev`, with the renderer's
 * default quiescence and the agent cache + stale reads on: one health flip gives one
 * new version, a burst of 50 flips coalesces into a few and ends in the final state,
 * and the reads really went through the agent's cache.
 */
describe('renderer watching: quiescence defaults, agent cache, stale reads', () => {
  let consul: ConsulDev;
  let root: string;
  let shared: string;
  let proc: ComponentProcess;
  let metricsUrl: string;
  const SERVICES = 5;
  const INSTANCES = 5;
  const id = (s: number, i: number) => `w${s}-${i}`;

  const rendered = () => readFile(join(shared, 'rendered/current/50-all.cfg'), 'utf8').catch(() => '');
  const published = async () => metricValue((await getText(`${metricsUrl}/metrics`)).body, 'renderer_renders_total', { result: 'published' });
  /** The backend of service s as rendered: its instance numbers in order. */
  const serversOf = (text: string, s: number) =>
    [...text.matchAll(new RegExp(`server w${s}-(\\d+) `, 'g'))].map((m) => Number(m[1]));
  /** Waits out quiescence max (1 s) plus a blocking re-arm, so no publish is still on its way. */
  const settle = () => new Promise((r) => setTimeout(r, 1800));

  beforeAll(async () => {
    consul = await ConsulDev.start();
    root = await mkdtemp(join(tmpdir(), 'renderer-watching-'));
    shared = join(root, 'shared');
    const template = ['{{#each (services)}}', 'backend {{haproxyId name}}', '{{#each (service name)}}  server {{id}} {{address}}:{{port}}', '{{/each}}{{/each}}', ''].join('\n');
    await publishVersion({ root: join(shared, 'templates') }, [{ path: '50-all.cfg.hbs', data: Buffer.from(template) }]);
    for (let s = 0; s < SERVICES; s++) {
      for (let i = 0; i < INSTANCES; i++) await consul.register({ id: id(s, i), name: `web${s}`, address: `10.0.${s}.${i}`, port: 8080 });
    }
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}`;
    // No RENDER_WAIT_* and no RENDER_BLOCKING_WAIT_S: the defaults are under test.
    proc = new ComponentProcess('renderer', {
      SHARED_DIR: shared,
      CONSUL_HTTP_ADDR: consul.addr,
      METRICS_ADDR: `127.0.0.1:${port}`,
      RENDER_CONSUL_STALE: 'true',
      RENDER_CONSUL_CACHED: 'true',
      NODE_NAME: 'n1',
      NODE_IP: '10.9.9.9',
    }).start();
    await waitFor(async () => (await rendered()).split('\n').filter((l) => l.includes(' server w')).length === SERVICES * INSTANCES, { what: 'first render' });
    await settle();
  });

  afterAll(async () => {
    await proc?.stop();
    await consul?.destroy();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('one health flip publishes exactly one new version', async () => {
    const before = await published();
    await consul.setHealth(id(2, 3), false);
    await waitFor(async () => !(await rendered()).includes('server w2-3 '), { what: 'w2-3 gone' });
    await settle();
    expect(await published()).toBe(before + 1);
    expect(serversOf(await rendered(), 2)).toEqual([0, 1, 2, 4]);

    await consul.setHealth(id(2, 3), true);
    await waitFor(async () => (await rendered()).includes('server w2-3 '), { what: 'w2-3 back' });
    await settle();
    expect(await published()).toBe(before + 2);
  });

  it('a burst of 50 flips over 5 services coalesces into a few versions and ends in the final state', async () => {
    const before = await published();
    // One lane per instance, all side by side so the burst is short; each lane's order is
    // fixed, so the end state is known: instances 1 and 2 failing, 0, 3, 4 passing. No
    // service ever empties (that would engage the empty-result hold instead).
    const lanes: boolean[][] = [[false, true], [false, true, false], [false, true, false], [false, true]];
    const started = Date.now();
    await Promise.all(
      Array.from({ length: SERVICES }, (_, s) =>
        lanes.map(async (steps, i) => {
          for (const passing of steps) await consul.setHealth(id(s, i), passing);
        }),
      ).flat(),
    );
    const burstMs = Date.now() - started;
    await waitFor(
      async () => {
        const text = await rendered();
        return Array.from({ length: SERVICES }, (_, s) => serversOf(text, s).join()).every((v) => v === '0,3,4');
      },
      { what: 'final state rendered' },
    );
    await settle();
    const versions = (await published()) - before;
    // A watch re-arms at most once per RENDER_WATCH_MIN_GAP_MS (100 ms here, the default)
    // after up to 3 quick answers that re-arm at once, so a burst is seen in slices: within
    // 200 ms at most 3 + 2, a slower burst (a loaded CI machine) one more per further 100 ms.
    // With the quiescence leading edge each slice may publish twice (its first answer at
    // once, the rest together). Without quiescence it would be up to 50.
    const allowed = 2 * (5 + Math.max(0, Math.ceil((burstMs - 200) / 100)));
    console.log(`burst of 50 flips took ${burstMs} ms -> ${versions} new versions (allowed ${allowed})`);
    expect(versions).toBeGreaterThanOrEqual(1);
    expect(versions).toBeLessThanOrEqual(allowed);
  });

  it('health reads went through the agent cache, as blocking queries', async () => {
    // Only `?cached` requests touch the agent's health-services cache type.
    const cache = await waitFor(
      async () => {
        const m = (await (await fetch(`${consul.url}/v1/agent/metrics`)).json()) as { Counters: Array<{ Name: string; Count: number }> };
        return m.Counters.find((c) => c.Name.endsWith('cache.health-services.fetch_success') && c.Count > 0);
      },
      { what: 'health-services cache activity in the agent metrics', timeoutMs: 15_000 },
    );
    expect(cache.Count).toBeGreaterThan(0);
    const body = (await getText(`${metricsUrl}/metrics`)).body;
    expect(metricValue(body, 'renderer_consul_requests_total', { mode: 'blocking', result: 'success' })).toBeGreaterThan(0);
    expect(metricValue(body, 'renderer_consul_requests_in_flight', { mode: 'blocking' })).toBe(SERVICES + 2);
    expect(metricValue(body, 'renderer_consul_requests_total', { result: 'error' })).toBe(0);
    expect(metricValue(body, 'renderer_consul_stale_requeries_total')).toBe(0);
  });
});
