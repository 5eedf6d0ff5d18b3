import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliCommand } from '../../packages/haproxy-supervisor/src/haproxy/cli.js';
import { parseSections } from '../../packages/haproxy/src/parsed-files.js';
import { parseShowProc } from '../../packages/haproxy-supervisor/src/haproxy/show-proc.js';
import { getText } from '../helpers/component.js';
import { EXAMPLE_TEMPLATES, metricValue, Pipeline } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/ports.js';
import { pool } from '../helpers/pool.js';

// Membership changes in real Consul reach HAProxy through the renderer and the
// supervisor's runtime API: no reload, and the live files describe what HAProxy runs.

let pipeline: Pipeline;
const served = (bodies: string[]) => new Set(bodies);

async function masterReloads(): Promise<number> {
  return parseShowProc(await cliCommand(join(pipeline.sharedDir, 'run', 'haproxy-master.sock'), 'show proc'))!.master.reloads;
}

/** Server names HAProxy runs in a backend (admin socket) and the ones the live config lists. */
async function serversOf(backend: string): Promise<{ running: string[]; live: string[] }> {
  const state = await cliCommand(join(pipeline.sharedDir, 'run', 'haproxy-admin.sock'), `show servers state ${backend}`);
  const running = state.split('\n').filter((l) => /^\d+ /.test(l)).map((l) => l.split(' ')[3]!);
  const dir = join(pipeline.sharedDir, 'live', 'current');
  const files = await Promise.all(['50-frontend-web.cfg'].map(async (path) => ({ path, data: await readFile(join(dir, path)) })));
  const live = parseSections(files).find((s) => s.kind === 'backend' && s.name === backend)?.servers.map((s) => s.name) ?? [];
  return { running: running.sort(), live: live.sort() };
}


beforeAll(async () => {
  pipeline = await Pipeline.start();
  await pipeline.uploadTree(EXAMPLE_TEMPLATES);
  for (const id of ['web-1', 'web-2']) await pipeline.addInstance('web', id);
  pipeline.startAll();
  await pipeline.waitForRouting('web.example.test', (b) => served(b).has('web-1') && served(b).has('web-2'));
});

afterAll(async () => {
  await pipeline?.stop();
});

describe('membership changes from Consul without reloads', () => {
  it('registration, failing and passing health, deregistration: routing follows, HAProxy never reloads', async () => {
    const reloads = await masterReloads();
    await pipeline.addInstance('web', 'web-3');
    await pipeline.waitForRouting('web.example.test', (b) => served(b).has('web-3'), { what: 'web-3 in rotation' });

    await pipeline.consul.setHealth('web-2', false);
    await pipeline.waitForRouting('web.example.test', (b) => !served(b).has('web-2'), { what: 'web-2 out of rotation' });
    await pipeline.consul.setHealth('web-2', true);
    await pipeline.waitForRouting('web.example.test', (b) => served(b).has('web-2'), { what: 'web-2 back' });
    await pipeline.consul.deregister('web-3');
    await pipeline.waitForRouting('web.example.test', (b) => !served(b).has('web-3'), { what: 'web-3 gone' });

    expect(await masterReloads()).toBe(reloads);
    const state = await pipeline.state('haproxy-supervisor');
    expect(state.lastUpdate).toMatchObject({ method: 'runtime' });
    // The live files describe what HAProxy runs.
    await waitFor(async () => {
      const s = await serversOf('web');
      return s.running.join() === s.live.join() && s.live.join() === 'web-1,web-2';
    }, { what: 'live config equal to the running servers' });
    const metrics = (await getText(pipeline.metricsUrl('supervisor'))).body;
    expect(metricValue(metrics, 'haproxy_supervisor_updates_total', { method: 'runtime' })).toBeGreaterThanOrEqual(4);
  });

  it('a burst of 500 Consul changes converges to the final state with at most two reloads', async () => {
    const reloads = await masterReloads();
    const port = pipeline.instances.get('web-1')!.port;
    const ids = Array.from({ length: 100 }, (_, i) => `burst-${i}`);
    const started = Date.now();
    // 5 phases x 100 operations; within a phase each instance appears once.
    await pool(ids, 50, (id) => pipeline.consul.register({ id, name: 'web', address: '127.0.0.1', port }));
    await pool(ids, 50, (id) => pipeline.consul.setHealth(id, false));
    await pool(ids, 50, (id) => pipeline.consul.setHealth(id, true));
    await pool(ids, 50, (id) => pipeline.consul.setHealth(id, false));
    await pool(ids, 50, (id, i = ids.indexOf(id)) => (i < 50 ? pipeline.consul.setHealth(id, true) : pipeline.consul.deregister(id)));
    const burstMs = Date.now() - started;
    const expected = ['web-1', 'web-2', ...ids.slice(0, 50)].sort().join();
    await waitFor(async () => {
      const s = await serversOf('web');
      return s.running.join() === expected && s.live.join() === expected;
    }, { timeoutMs: 30_000, what: 'HAProxy and the live config at the final membership' });
    const reloaded = (await masterReloads()) - reloads;
    console.log(`burst of 500 Consul changes in ${burstMs} ms: ${reloaded} reload(s)`);
    expect(reloaded).toBeLessThanOrEqual(2);
    await pipeline.waitForRouting('web.example.test', (b) => b.every((x) => x === 'web-1' || x === 'web-2'));
  });
});
