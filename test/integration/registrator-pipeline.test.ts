import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComponentProcess, getText } from '../helpers/component.js';
import { DockerTestEngine, type TestContainer } from '../helpers/docker.js';
import { EXAMPLE_TEMPLATES, Pipeline } from '../helpers/pipeline.js';
import { freePort, waitFor } from '../helpers/ports.js';

const HOST = 'regweb.example.test';

/**
 * Issue 13's main story on the real pipeline: containers on a real engine, the
 * registrator registering them in the pipeline's Consul, and requests through the
 * HAProxy the renderer and supervisor configure from those registrations.
 */
describe('registrator in the pipeline: containers receive traffic, and none after they stop', () => {
  let pipeline: Pipeline;
  let docker: DockerTestEngine;
  let registrator: ComponentProcess;
  let metricsPort: number;
  const labels = { SERVICE_NAME: 'regweb', SERVICE_CHECK_INTERVAL: '200ms' };

  const agentHas = async (c: TestContainer) => {
    const services = (await pipeline.consul.api('GET', '/v1/agent/services')) as Record<string, { Meta?: Record<string, string> }>;
    return Object.values(services).some((s) => s.Meta?.['registrator-container'] === c.id);
  };
  /** Polls the agent every 10 ms; the time until `present` holds for `c`. */
  const timeUntil = async (c: TestContainer, present: boolean, from: number) => {
    await waitFor(async () => (await agentHas(c)) === present, { intervalMs: 10, timeoutMs: 10_000, what: `${c.name || c.id} ${present ? 'registered' : 'deregistered'}; registrator:\n${registrator.output.slice(-3000)}` });
    return Date.now() - from;
  };
  const bodiesNow = async (n: number) => {
    const out: Array<{ status: number; body: string }> = [];
    for (let i = 0; i < n; i++) out.push(await pipeline.request(HOST));
    return out;
  };

  beforeAll(async () => {
    docker = new DockerTestEngine();
    pipeline = await Pipeline.start();
    metricsPort = await freePort();
    await pipeline.uploadTree(EXAMPLE_TEMPLATES);
    await pipeline.putTemplate('50-regweb.cfg.hbs', 'backend regweb\n    mode http\n{{> servers name="regweb"}}\n');
    pipeline.startAll();
    registrator = new ComponentProcess('registrator', {
      SHARED_DIR: pipeline.sharedDir,
      METRICS_ADDR: `127.0.0.1:${metricsPort}`,
      CONSUL_HTTP_ADDR: pipeline.consul.addr,
      DOCKER_HOST: docker.dockerHost,
      NODE_IP: '127.0.0.1',
      NODE_NAME: 'test-node',
    }).start();
    await waitFor(async () => (await getText(`http://127.0.0.1:${metricsPort}/readyz`)).status === 200, { what: `registrator ready; output:\n${registrator.output.slice(-2000)}` });
  });

  afterAll(async () => {
    await registrator?.stop();
    await docker?.removeAll();
    await pipeline?.stop();
  });

  it('registers a labelled container within 1 s with a health check, and HAProxy routes to it', async () => {
    const t0 = Date.now();
    const c1 = await docker.start('c1', { labels });
    const startedMs = Date.now() - t0;
    const registeredMs = await timeUntil(c1, true, t0);
    console.log(`[registrator] c1: engine start answered in ${startedMs} ms, registered ${registeredMs} ms after the start request`);
    expect(registeredMs - startedMs).toBeLessThan(1000);
    // The agent's own view: the catalog catches up through anti-entropy a moment later.
    // (Consul 1.8 does not list a check's interval; the registration's meta carries it.)
    const checks = Object.values((await pipeline.consul.api('GET', '/v1/agent/checks')) as Record<string, { Type: string; ServiceName: string }>);
    expect(checks.filter((c) => c.ServiceName === 'regweb').map((c) => c.Type)).toEqual(['tcp']);
    const services = Object.values((await pipeline.consul.api('GET', '/v1/agent/services')) as Record<string, { Service: string; Meta: Record<string, string> }>);
    expect(services.find((s) => s.Service === 'regweb')?.Meta['registrator-check']).toBe('tcp,200ms,2s,10m');
    await pipeline.waitForRouting(HOST, (b) => b.every((x) => x === 'c1'), { what: 'c1 routed' });

    const c2 = await docker.start('c2', { labels });
    await pipeline.waitForRouting(HOST, (b) => new Set(b).size === 2, { what: 'c1 and c2 routed' });
    expect(await agentHas(c2)).toBe(true);
  });

  for (const how of ['stop', 'kill'] as const) {
    it(`docker ${how}: deregistered at once, and then no request goes to it`, async () => {
      const services = (await pipeline.consul.api('GET', '/v1/agent/services')) as Record<string, { Service: string; Meta: Record<string, string> }>;
      const ids = Object.values(services).filter((s) => s.Service === 'regweb').map((s) => s.Meta['registrator-container']!);
      expect(ids.length).toBeGreaterThanOrEqual(2);
      const names = new Set((await bodiesNow(12)).map((r) => r.body));
      const victim = { id: ids[0]!, name: '' };
      const inspect = (await docker.client.request('GET', `/containers/${victim.id}/json`, { signal: new AbortController().signal })).body as { Name: string };
      const victimBody = inspect.Name.replace(/^\/t[0-9a-f]+-/, '');
      expect(names).toContain(victimBody);

      const t0 = Date.now();
      if (how === 'stop') await docker.stop(victim.id);
      else await docker.kill(victim.id);
      const goneMs = await timeUntil(victim, false, t0);
      console.log(`[registrator] docker ${how}: deregistered ${goneMs} ms after the request`);
      expect(goneMs).toBeLessThan(3000);
      await pipeline.waitForRouting(HOST, (b) => b.every((x) => x !== victimBody), { what: `${victimBody} out of rotation` });
      const after = await bodiesNow(30);
      expect(after.every((r) => r.status === 200 && r.body !== victimBody)).toBe(true);
      // Another instance for the next case.
      await docker.start(`${how}-next`, { labels });
      await pipeline.waitForRouting(HOST, (b) => b.includes(`${how}-next`), { what: `${how}-next routed` });
    });
  }
});
