import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComponentProcess, getText } from '../helpers/component.js';
import { ConsulDev } from '../helpers/consul.js';
import { DockerTestEngine, ensureEngine, ourEnginePid, type TestContainer } from '../helpers/docker.js';
import { metricValue } from '../helpers/pipeline.js';
import { pool } from '../helpers/pool.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { checkedState } from '../helpers/state.js';

const NODE = 'reg-node';
const RESYNC_MS = 1000;

interface CatalogEntry {
  ServiceID: string;
  ServiceMeta: Record<string, string>;
  ModifyIndex: number;
}

/**
 * Issue 13 on a real engine and a real agent: the registrator as a process
 * (`node packages/registrator/dist/main.js`), containers started through the engine's
 * API, and what Consul holds read back from its catalog.
 */
describe('registrator: engine containers -> Consul agent', () => {
  let docker: DockerTestEngine;
  let consul: ConsulDev;
  let sharedDir: string;
  let metricsPort: number;
  let registrator: ComponentProcess;

  const startRegistrator = () => {
    registrator = new ComponentProcess('registrator', {
      SHARED_DIR: sharedDir,
      METRICS_ADDR: `127.0.0.1:${metricsPort}`,
      CONSUL_HTTP_ADDR: consul.addr,
      DOCKER_HOST: docker.dockerHost,
      NODE_IP: '127.0.0.1',
      NODE_NAME: NODE,
      REGISTRATOR_RESYNC_MS: String(RESYNC_MS),
      REGISTRATOR_CHECK_INTERVAL: '1s',
    }).start();
    return registrator;
  };
  /** Our registrations in the catalog, by service ID. */
  const catalog = async (): Promise<Map<string, CatalogEntry>> => {
    const names = Object.keys((await consul.api('GET', '/v1/catalog/services')) as Record<string, string[]>);
    const out = new Map<string, CatalogEntry>();
    for (const name of names) {
      for (const e of (await consul.api('GET', `/v1/catalog/service/${name}`)) as CatalogEntry[]) if (e.ServiceMeta?.['registrator-node'] === NODE) out.set(e.ServiceID, e);
    }
    return out;
  };
  const containersIn = async () => new Set([...(await catalog()).values()].map((e) => e.ServiceMeta['registrator-container']));
  const metrics = async () => (await getText(`http://127.0.0.1:${metricsPort}/metrics`)).body;
  const state = async () => checkedState(await readFile(join(sharedDir, 'state/registrator.json'), 'utf8'));

  beforeAll(async () => {
    docker = new DockerTestEngine();
    [consul, sharedDir, metricsPort] = await Promise.all([ConsulDev.start(), mkdtemp(join(tmpdir(), 'registrator-')), freePort()]);
  });

  afterAll(async () => {
    await registrator?.stop();
    await docker?.removeAll();
    await consul?.destroy();
    if (sharedDir) await rm(sharedDir, { recursive: true, force: true });
  });

  it('refuses containers with bad labels, names them in the state file, and registers the rest', async () => {
    startRegistrator();
    const good = await docker.start('good', { labels: { SERVICE_NAME: 'good', SERVICE_TAGS: 'v1,edge', SERVICE_META_TEAM: 'core' } });
    const hostPort = await freePort();
    const host = await docker.start('host', { labels: { SERVICE_NAME: 'on-host' }, hostNetworkPort: hostPort });
    const bad = await Promise.all([
      docker.start('bad-port', { labels: { SERVICE_NAME: 'bad', SERVICE_0_NAME: 'zero' } }),
      docker.start('bad-name', { labels: { SERVICE_NAME: 'web\n    server evil 10.0.0.1:80' } }),
      docker.start('bad-tag', { labels: { SERVICE_NAME: 'bad', SERVICE_TAGS: 'ok,x\ny' } }),
      docker.start('bad-huge', { labels: { SERVICE_NAME: 'bad', SERVICE_META_BLOB: 'x'.repeat(100_000) } }),
      docker.start('bad-env', { env: ['SERVICE_NAME=Not_A_Dns_Label'] }),
    ]);
    await waitFor(async () => (await containersIn()).has(good.id), { what: 'good container registered' });
    const refused = await waitFor(async () => {
      const s = await state();
      return s.refused?.length === bad.length ? (s.refused as Array<{ container: string; problems: string[] }>) : undefined;
    }, { what: 'refusals in the state file' });
    expect(refused.map((r) => r.container).sort()).toEqual(bad.map((b) => b.name).sort());
    const why = Object.fromEntries(refused.map((r) => [r.container.replace(/^t[0-9a-f]+-/, ''), r.problems.join('; ')]));
    expect(why['bad-port']).toMatch(/SERVICE_0_NAME: port 0 is not 1-65535/);
    expect(why['bad-name']).toMatch(/SERVICE_NAME: control character/);
    expect(why['bad-tag']).toMatch(/SERVICE_TAGS: control character/);
    expect(why['bad-huge']).toMatch(/SERVICE_META_BLOB: value of 100000 characters/);
    expect(why['bad-env']).toMatch(/SERVICE_NAME: service name must be a DNS label/);
    // Only the good ones reached Consul, with what their labels asked for.
    await waitFor(async () => (await containersIn()).has(host.id), { what: 'host-network container registered' });
    const entries = [...(await catalog()).values()];
    expect(entries.map((e) => e.ServiceMeta['registrator-container']).sort()).toEqual([good.id, host.id].sort());
    // Host networking: the exposed port itself, on NODE_IP.
    const [onHost] = (await consul.api('GET', '/v1/catalog/service/on-host')) as Array<{ ServicePort: number; ServiceAddress: string }>;
    expect(onHost).toMatchObject({ ServiceAddress: '127.0.0.1', ServicePort: hostPort });
    const [svc] = (await consul.api('GET', '/v1/catalog/service/good')) as Array<{ ServiceTags: string[]; ServiceMeta: Record<string, string>; ServicePort: number; ServiceAddress: string }>;
    expect(svc).toMatchObject({ ServiceTags: ['v1', 'edge'], ServiceAddress: '127.0.0.1', ServicePort: await docker.hostPort(good.id) });
    expect(svc!.ServiceMeta.team).toBe('core');
    const checks = (await consul.api('GET', '/v1/health/checks/good')) as Array<{ Type: string; Status: string }>;
    expect(checks).toHaveLength(1);
    expect(checks[0]!.Type).toBe('tcp');
    for (const name of ['good', 'on-host']) {
      await waitFor(async () => ((await consul.api('GET', `/v1/health/checks/${name}`)) as Array<{ Status: string }>)[0]?.Status === 'passing', { what: `${name}: TCP check passing` });
    }
    expect(metricValue(await metrics(), 'registrator_containers', { outcome: 'refused' })).toBe(bad.length);
    // Refused once in the log per container, not once per resync.
    await new Promise((r) => setTimeout(r, RESYNC_MS * 2.5));
    expect(registrator.logs().filter((l) => l.code === 'LABELS_REFUSED')).toHaveLength(bad.length);
    await pool(bad, 5, (b) => docker.remove(b.id).then(() => undefined));
  });

  it('after its own SIGKILL, removes only the orphans and touches no other registration', async () => {
    const keep = await Promise.all(['k1', 'k2', 'k3'].map((n) => docker.start(n, { labels: { SERVICE_NAME: 'orphans' } })));
    await waitFor(async () => {
      const ids = await containersIn();
      return keep.every((k) => ids.has(k.id));
    }, { what: 'k1-k3 registered' });
    const before = await catalog();
    await registrator.stop('SIGKILL');

    await docker.remove(keep[0]!.id);
    await docker.remove(keep[1]!.id);
    const fresh = await docker.start('k4', { labels: { SERVICE_NAME: 'orphans' } });
    // Nothing changes in Consul while the registrator is down: the orphans are still there.
    expect(await containersIn()).toContain(keep[0]!.id);

    startRegistrator();
    await waitFor(async () => {
      const ids = await containersIn();
      return ids.has(fresh.id) && !ids.has(keep[0]!.id) && !ids.has(keep[1]!.id) ? ids : undefined;
    }, { what: 'orphans removed and k4 registered after the restart' });
    const after = await catalog();
    const orphanIds = [...before.values()].filter((e) => [keep[0]!.id, keep[1]!.id].includes(e.ServiceMeta['registrator-container']!)).map((e) => e.ServiceID);
    for (const [id, entry] of before) {
      if (orphanIds.includes(id)) expect(after.has(id)).toBe(false);
      else expect(after.get(id)?.ModifyIndex, `ModifyIndex of ${id}`).toBe(entry.ModifyIndex);
    }
  });

  it('converges exactly to the running set after a burst of 50 starts and stops, and a resync changes nothing', { timeout: 180_000 }, async () => {
    const burst: TestContainer[] = [];
    const names = Array.from({ length: 50 }, (_, i) => `b${i}`);
    const t0 = Date.now();
    // Start 50 and stop every other one while the rest are still starting.
    await pool(names, 6, async (name) => {
      const c = await docker.start(name, { labels: { SERVICE_NAME: 'burst', SERVICE_CHECK_INTERVAL: '5s' } });
      burst.push(c);
      if (Number(name.slice(1)) % 2 === 1) await docker.stop(c.id);
    });
    const startedMs = Date.now() - t0;
    const expected = async () => new Set(await docker.runningIds());
    const converged = await waitFor(async () => {
      const [want, have] = await Promise.all([expected(), containersIn()]);
      return want.size === have.size && [...want].every((id) => have.has(id)) ? have : undefined;
    }, { timeoutMs: 60_000, what: 'catalog == running containers' });
    const convergedMs = Date.now() - t0;
    expect([...converged].filter((id) => burst.some((b) => b.id === id))).toHaveLength(25);

    // Three periodic resyncs later: no ModifyIndex moved, the agent was not changed, the
    // services table index did not move at all.
    const before = await catalog();
    const indexBefore = (await fetch(`${consul.url}/v1/catalog/services`)).headers.get('x-consul-index');
    const passes = metricValue(await metrics(), 'registrator_reconciles_total', { result: 'ok' });
    const changes = metricValue(await metrics(), 'registrator_agent_changes_total');
    await new Promise((r) => setTimeout(r, RESYNC_MS * 3.5));
    const after = await catalog();
    expect(metricValue(await metrics(), 'registrator_reconciles_total', { result: 'ok' })).toBeGreaterThanOrEqual(passes + 3);
    expect(metricValue(await metrics(), 'registrator_agent_changes_total')).toBe(changes);
    expect(new Map([...after].map(([id, e]) => [id, e.ModifyIndex]))).toEqual(new Map([...before].map(([id, e]) => [id, e.ModifyIndex])));
    expect((await fetch(`${consul.url}/v1/catalog/services`)).headers.get('x-consul-index')).toBe(indexBefore);
    console.log(`[registrator] burst: 50 started (25 stopped) in ${startedMs} ms; catalog converged ${convergedMs} ms after the first start`);
    await pool(burst, 6, (c) => docker.remove(c.id).then(() => undefined));
    await waitFor(async () => [...(await containersIn())].every((id) => !burst.some((b) => b.id === id)), { what: 'burst containers deregistered' });
  });

  it('re-registers every running container after the Consul agent restarts empty', async () => {
    const want = await docker.runningIds();
    expect(want.length).toBeGreaterThan(0);
    await consul.stop();
    // -dev keeps its state in memory: a restart is an agent with a wiped data dir.
    const t0 = Date.now();
    await consul.launch();
    const launchedMs = Date.now() - t0;
    await waitFor(async () => {
      const have = await containersIn();
      return want.every((id) => have.has(id));
    }, { timeoutMs: 30_000, what: 'every running container registered again' });
    console.log(`[registrator] agent restart: ${want.length} containers registered again ${Date.now() - t0 - launchedMs} ms after the agent was ready`);
    expect(registrator.running).toBe(true);
    expect((await getText(`http://127.0.0.1:${metricsPort}/readyz`)).status).toBe(200);
  });

  it('survives an engine restart: what the restart stopped is deregistered, new containers register', { timeout: 120_000 }, async (ctx) => {
    const pid = await ourEnginePid();
    // Only an engine scripts/docker-engine.sh started is ours to restart.
    if (!pid) return ctx.skip();
    const before = await docker.start('e1', { labels: { SERVICE_NAME: 'engine' } });
    await waitFor(async () => (await containersIn()).has(before.id), { what: 'e1 registered' });
    process.kill(pid, 'SIGTERM');
    await waitFor(() => ourEnginePid().then((p) => p === undefined), { timeoutMs: 60_000, what: 'dockerd stopped' });
    await waitFor(async () => metricValue(await metrics(), 'registrator_engine_stream_up') === 0, { what: 'stream seen down' });
    ensureEngine(true);
    // The engine stopped e1 on its way down (no restart policy): it must not stay registered.
    await waitFor(async () => !(await containersIn()).has(before.id), { what: 'e1 deregistered' });
    await waitFor(async () => metricValue(await metrics(), 'registrator_engine_stream_up') === 1, { what: 'stream back' });
    const after = await docker.start('e2', { labels: { SERVICE_NAME: 'engine' } });
    await waitFor(async () => (await containersIn()).has(after.id), { what: 'e2 registered after the engine restart' });
    expect(registrator.running).toBe(true);
  });
});
