import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishVersion, readCurrent, readTree, versionId } from '../../packages/core/src/index.js';
import { ComponentProcess, getText } from '../helpers/component.js';
import { ConsulDev } from '../helpers/consul.js';
import { metricValue } from '../helpers/pipeline.js';
import { freePort, waitFor } from '../helpers/ports.js';

/**
 * The renderer when things go wrong around it: Consul down at start, Consul restarted
 * (a -dev agent loses its catalog), the renderer killed with SIGKILL while working.
 */
describe('renderer recovery', () => {
  let consul: ConsulDev;
  let root: string;
  let shared: string;
  let proc: ComponentProcess;
  let metricsUrl: string;

  const rendered = () => readFile(join(shared, 'rendered/current/50-web.cfg'), 'utf8').catch(() => '');
  const state = async () => JSON.parse(await readFile(join(shared, 'state/renderer.json'), 'utf8').catch(() => '{}')) as Record<string, any>;
  const metrics = async () => (await getText(`${metricsUrl}/metrics`)).body;
  const readyz = async () => (await getText(`${metricsUrl}/readyz`).catch(() => ({ status: 0 }))).status;
  const register = (n: number) => consul.register({ id: `web-${n}`, name: 'web', address: `10.0.0.${n}`, port: 8080 });

  beforeAll(async () => {
    consul = await ConsulDev.start();
    await consul.stop();
    root = await mkdtemp(join(tmpdir(), 'renderer-recovery-'));
    shared = join(root, 'shared');
    // Enough static files that a publish takes a moment, so a SIGKILL can land inside one.
    const statics = Array.from({ length: 80 }, (_, i) => ({ path: `maps/m${i}.map`, data: Buffer.from(`k${i} v${i}\n`.repeat(50)) }));
    await publishVersion({ root: join(shared, 'templates') }, [
      { path: '50-web.cfg.hbs', data: Buffer.from('backend web\n{{#each (service "web")}}  server {{id}} {{address}}:{{port}}\n{{/each}}') },
      ...statics,
    ]);
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}`;
    proc = new ComponentProcess('renderer', {
      SHARED_DIR: shared,
      CONSUL_HTTP_ADDR: `http://${consul.addr}`,
      METRICS_ADDR: `127.0.0.1:${port}`,
      RENDER_WAIT_MIN_MS: '20',
      RENDER_WAIT_MAX_MS: '200',
      RENDER_RETRY_MAX_MS: '500',
      RENDER_BLOCKING_WAIT_S: '30',
      NODE_NAME: 'n1',
      NODE_IP: '10.9.9.9',
    }).start();
  });

  afterAll(async () => {
    await proc?.stop();
    await consul?.destroy();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('started while Consul is down: not ready, renders nothing, then renders the real instances once Consul is up', async () => {
    await waitFor(async () => metricValue(await metrics(), 'renderer_consul_requests_total', { result: 'error' }) >= 2, { what: 'failed consul requests' });
    expect(await readyz()).toBe(503);
    expect(await readCurrent(join(shared, 'rendered'))).toBeNull();
    expect(await state()).toMatchObject({ status: 'failing', current: null, lastError: { code: 'CONSUL_REQUEST' } });
    expect(proc.running).toBe(true);

    await consul.launch();
    await register(1);
    await register(2);
    await waitFor(async () => (await rendered()).includes('server web-2 10.0.0.2:8080'), { what: 'render after consul came up' });
    expect(await rendered()).toContain('server web-1 10.0.0.1:8080');
    expect(await readyz()).toBe(200);
    await waitFor(async () => (await state()).status === 'ok', { what: 'state ok' });
  });

  it('Consul restarted with an empty catalog: no crash, previous instances held, resumes watching', async () => {
    let lostInstances = false;
    let polling = true;
    const watcher = (async () => {
      while (polling) {
        const text = await rendered();
        if (!text.includes('server web-1')) lostInstances = true;
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    await consul.stop();
    await waitFor(async () => (await state()).status === 'degraded', { what: 'degraded while consul is down' });
    const answered = metricValue(await metrics(), 'renderer_consul_requests_total', { result: 'success' });
    await consul.launch();
    // Let the renderer see the fresh, empty catalog before the instances come back.
    await waitFor(async () => metricValue(await metrics(), 'renderer_consul_requests_total', { result: 'success' }) > answered, { what: 'renderer reached new consul' });
    await waitFor(async () => metricValue(await metrics(), 'renderer_empty_results_held_total') >= 1, { what: 'empty result held' });
    // The catalog is gone, but a -dev agent restores its own services from -data-dir with
    // their TTL checks critical: re-register and pass the checks again.
    for (const n of [1, 2]) {
      await register(n);
      await consul.setHealth(`web-${n}`, true);
    }
    await register(9);
    await waitFor(async () => (await rendered()).includes('server web-9 10.0.0.9:8080'), { what: 'web-9 after consul restart' });
    polling = false;
    await watcher;
    expect(lostInstances).toBe(false);
    expect(proc.running).toBe(true);
    await waitFor(async () => (await state()).status === 'ok', { what: 'state ok after restart' });
  });

  it('SIGKILL mid-work: rendered/current stays complete and the restarted renderer continues', async () => {
    for (const n of [21, 22, 23]) {
      await register(n);
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 120)));
      await proc.stop('SIGKILL');
      const current = await readCurrent(join(shared, 'rendered'));
      expect(current).not.toBeNull();
      // Complete: the content hash of what `current` names is its name.
      const files = await readTree(current!.dir);
      expect(versionId(files)).toBe(current!.id);
      const manifest = JSON.parse(Buffer.from(files.find((f) => f.path === 'manifest.json')!.data).toString()) as { files: { path: string }[] };
      expect(manifest.files.map((f) => f.path).sort()).toEqual(files.map((f) => f.path).filter((p) => p !== 'manifest.json').sort());
      proc.start();
      // Ready at once: a good version is on disk.
      await waitFor(async () => (await readyz()) === 200, { what: 'ready after restart', timeoutMs: 10_000 });
      await waitFor(async () => (await rendered()).includes(`server web-${n} `), { what: `web-${n} after restart` });
    }
  });
});
