import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getText } from '../helpers/component.js';
import { waitFor } from '../helpers/ports.js';
import { EXAMPLE_TEMPLATES, metricValue, Pipeline } from '../helpers/pipeline.js';
import { promtoolCheck } from '../helpers/promtool.js';

/**
 * Issue 2's end-to-end story on real components: the example templates uploaded to
 * s3rver, instances registered in real Consul, the three stages as processes, and
 * requests through the real HAProxy they configure.
 */
describe('config pipeline end to end', () => {
  let pipeline: Pipeline;
  const served = (bodies: string[]) => new Set(bodies);

  const addInstance = (service: string, id: string) => pipeline.addInstance(service, id);

  beforeAll(async () => {
    pipeline = await Pipeline.start();
    await pipeline.uploadTree(EXAMPLE_TEMPLATES);
    await addInstance('web', 'web-1');
    await addInstance('web', 'web-2');
    pipeline.startAll();
  });

  afterAll(async () => {
    await pipeline?.stop();
  });

  it('converges and routes to both healthy instances by Host header', async () => {
    const bodies = await pipeline.waitForRouting('web.example.test', (b) => served(b).has('web-1') && served(b).has('web-2'));
    expect(served(bodies)).toEqual(new Set(['web-1', 'web-2']));
    // Host map and the 404 route of the example templates.
    expect(served(await pipeline.waitForRouting('www.example.com', (b) => b.every((x) => x.startsWith('web-'))))).toBeTruthy();
    expect((await pipeline.request('nothing.example.test')).status).toBe(404);
  });

  it('sends traffic to a third instance once it is registered', async () => {
    await addInstance('web', 'web-3');
    const bodies = await pipeline.waitForRouting('web.example.test', (b) => served(b).has('web-3'));
    expect(served(bodies)).toEqual(new Set(['web-1', 'web-2', 'web-3']));
  });

  it('stops sending to an instance whose health check fails', async () => {
    await pipeline.consul.setHealth('web-2', false);
    await pipeline.waitForRouting('web.example.test', (b) => !served(b).has('web-2'), { what: 'web-2 out of rotation' });
    const before = pipeline.instances.get('web-2')!.hits;
    for (let i = 0; i < 30; i++) expect((await pipeline.request('web.example.test')).status).toBe(200);
    expect(pipeline.instances.get('web-2')!.hits).toBe(before);
    await pipeline.consul.setHealth('web-2', true);
    await pipeline.waitForRouting('web.example.test', (b) => served(b).has('web-2'), { what: 'web-2 back' });
  });

  it('routes a new service after a template is added in S3, restarting nothing', async () => {
    const pids = Object.values(pipeline.components).map((c) => c.pid);
    await addInstance('invoices', 'invoices-1');
    await pipeline.putTemplate('50-invoices.cfg.hbs', 'backend invoices\n    mode http\n{{> servers name="invoices"}}\n');
    await pipeline.waitForRouting('invoices.example.test', (b) => b.every((x) => x === 'invoices-1'));
    // A path prefix edit in a plain (copied) map file.
    await pipeline.putTemplate('maps/paths.map', '/invoices/ invoices\n/api/ api\n');
    await waitFor(async () => (await pipeline.request('other.example.test', '/invoices/x')).body === 'invoices-1', { what: 'path route' });
    expect(Object.values(pipeline.components).map((c) => c.pid)).toEqual(pids);
    expect(Object.values(pipeline.components).every((c) => c.running)).toBe(true);
  });

  it('reports a healthy pipeline in every state file and clean metrics', async () => {
    const live = await pipeline.state('haproxy-supervisor');
    expect(live.status).toBe('ok');
    for (const component of ['s3-sync', 'renderer', 'haproxy-supervisor']) {
      const state = await pipeline.state(component);
      expect(state, component).toMatchObject({ component, status: 'ok', lastError: null });
      expect(typeof state.current).toBe('string');
    }
    for (const name of ['s3Sync', 'renderer', 'supervisor'] as const) {
      const { status, body } = await getText(pipeline.metricsUrl(name));
      expect(status).toBe(200);
      expect(promtoolCheck(body), name).toEqual({ status: 0, findings: '' });
      expect((await getText(pipeline.metricsUrl(name).replace('/metrics', '/readyz'))).status).toBe(200);
    }
    const supervisorMetrics = (await getText(pipeline.metricsUrl('supervisor'))).body;
    expect(metricValue(supervisorMetrics, 'haproxy_supervisor_reloads_total', { result: 'success' })).toBeGreaterThan(0);
  });
});
