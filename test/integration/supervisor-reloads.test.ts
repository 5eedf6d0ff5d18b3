import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Backend } from '../helpers/backends.js';
import { metricValue, requestVia } from '../helpers/pipeline.js';
import { Traffic } from '../helpers/traffic.js';
import { SupervisorFixture } from './supervisor-fixture.js';

// Seamless reloads under continuous traffic, counted apart for keep-alive clients
// and new-connection-per-request clients (measured here: both kinds fail differently).

const RELOADS = 18;
let fx: SupervisorFixture;
let a: Backend;
let b: Backend;

beforeAll(async () => {
  fx = await SupervisorFixture.create();
  [a, b] = await Promise.all([Backend.start('a'), Backend.start('b')]);
  await fx.publishRendered({ '20-web.cfg': fx.webConfig([a]) });
  fx.proc.start();
  await fx.waitReady();
});

afterAll(async () => {
  await fx?.cleanup();
  await Promise.all([a?.stop(), b?.stop()]);
  expect(fx.haproxyPids()).toEqual([]);
});

describe('haproxy-supervisor reloads', () => {
  it(`drops no request across ${RELOADS} reloads`, async () => {
    const traffic = new Traffic(fx.ports.http, { keepAliveClients: 3, newConnectionClients: 3 });
    await new Promise((r) => setTimeout(r, 300));
    const start = (await fx.state()).counters.reloadsOk ?? 0;
    for (let i = 1; i <= RELOADS; i++) {
      const id = await fx.publishRendered({ '20-web.cfg': fx.webConfig([i % 2 === 1 ? b : a], SupervisorFixture.spare(i)) });
      await fx.waitState((s) => s.rendered === id && s.counters.reloadsOk === start + i, `reload ${i}`);
      // Let each new worker take traffic before the next reload.
      await new Promise((r) => setTimeout(r, 150));
    }
    await new Promise((r) => setTimeout(r, 300));
    const stats = await traffic.stop();
    // The numbers the issue asks for, visible in the test output.
    console.log(`reloads=${RELOADS} keep-alive ok=${stats.keepAlive.ok} failed=${stats.keepAlive.failed} new-connection ok=${stats.newConnection.ok} failed=${stats.newConnection.failed}`);
    expect(stats.keepAlive.ok).toBeGreaterThan(RELOADS * 10);
    expect(stats.newConnection.ok).toBeGreaterThan(RELOADS * 10);
    expect({ keepAlive: stats.keepAlive.reasons, newConnection: stats.newConnection.reasons }).toEqual({ keepAlive: {}, newConnection: {} });
    // Both configurations really served.
    expect(Object.keys(stats.newConnection.bodies).sort()).toEqual(['a', 'b']);
    const body = await fx.metrics();
    expect(metricValue(body, 'haproxy_supervisor_reloads_total', { result: 'success' })).toBe(start + RELOADS);
    expect(metricValue(body, 'haproxy_supervisor_reloads_total', { result: 'failure' })).toBe(0);
  });

  it('coalesces a burst of versions: the newest is applied, in fewer reloads', async () => {
    const before = (await fx.state()).counters.reloadsOk;
    let last = '';
    for (let i = 0; i < 6; i++) last = await fx.publishRendered({ '20-web.cfg': fx.webConfig([a], SupervisorFixture.spare(`burst-${i}`)) });
    const s = await fx.waitState((st) => st.rendered === last && st.status === 'ok', 'newest of the burst live');
    const reloads = s.counters.reloadsOk - before;
    expect(reloads).toBeGreaterThanOrEqual(1);
    expect(reloads).toBeLessThan(6);
    expect(s.current).toBe(await fx.liveId());
  });

  it('a burst of 500 structural versions within a second takes at most two reloads (HAPROXY_MIN_RELOAD_INTERVAL 1s) and ends on the newest', async () => {
    await fx.proc.stop('SIGTERM');
    fx.newProcess({ HAPROXY_MIN_RELOAD_INTERVAL: '1s' }).start();
    await fx.waitReady();
    const before = (await fx.state()).haproxy.reloads as number;
    const ids: string[] = [];
    for (let i = 0; i < 500; i++) ids.push(await fx.stageRendered({ '20-web.cfg': fx.webConfig([i % 2 ? a : b], SupervisorFixture.spare(`many-${i}`)) }));
    const started = Date.now();
    for (const id of ids) await fx.swapRendered(id);
    const burstMs = Date.now() - started;
    const last = ids[ids.length - 1]!;
    const s = await fx.waitState((st) => st.rendered === last && st.status === 'ok', 'newest of 500 live');
    const reloads = s.haproxy.reloads - before;
    console.log(`burst of 500 rendered versions in ${burstMs} ms: ${reloads} reload(s)`);
    expect(reloads).toBeGreaterThanOrEqual(1);
    // Reload starts are at least 1 s apart: a burst within one second gives at most two
    // (one at its start, one for the newest). A loaded CI machine may stretch the burst.
    expect(reloads).toBeLessThanOrEqual(2 + Math.floor(burstMs / 1000));
    expect(s.current).toBe(await fx.liveId());
    expect((await requestVia(fx.ports.http, 'app.test')).body).toBe('a');
  });
});
