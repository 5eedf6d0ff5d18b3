import { connect, createServer, type Server } from 'node:net';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cliCommand } from '../../packages/haproxy-supervisor/src/haproxy/cli.js';
import { Backend } from '../helpers/backends.js';
import { metricValue, requestVia } from '../helpers/pipeline.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { promtoolCheck } from '../helpers/promtool.js';
import { Traffic } from '../helpers/traffic.js';
import { SupervisorFixture } from './supervisor-fixture.js';

// haproxy-supervisor against a real HAProxy 2.6: start, reload, invalid configs,
// a reload that fails at bind, with traffic counted for both kinds of client.

let fx: SupervisorFixture;
let a: Backend;
let b: Backend;
/** Stands in for the log-shipper on SYSLOG_TCP_ADDR: everything HAProxy's ring forwards. */
let syslog: Server;
let syslogData = '';

const routesTo = async (name: string) => {
  await waitFor(async () => (await requestVia(fx.ports.http, 'app.test')).body === name, { timeoutMs: 15_000, what: `routing to ${name}` });
};

beforeAll(async () => {
  fx = await SupervisorFixture.create();
  [a, b] = await Promise.all([Backend.start('a'), Backend.start('b')]);
  syslog = createServer((socket) => {
    socket.on('data', (d: Buffer) => (syslogData += d.toString()));
    // An old worker's ring connection ends with a reset when the worker exits.
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => syslog.listen(fx.ports.syslogTcp, '127.0.0.1', () => r()));
});

afterAll(async () => {
  await fx?.cleanup();
  await Promise.all([a?.stop(), b?.stop()]);
  syslog?.close();
  expect(fx.haproxyPids()).toEqual([]);
});

describe('haproxy-supervisor', () => {
  it('starts HAProxy on the first rendered version and reloads on the next', async () => {
    const v1 = await fx.publishRendered({ '20-web.cfg': fx.webConfig([a]) });
    fx.proc.start();
    await fx.waitReady();
    await routesTo('a');
    const s1 = await fx.waitState((s) => s.status === 'ok' && s.rendered === v1, 'state after start');
    expect(s1.current).toBe(await fx.liveId());
    expect(s1.haproxy).toMatchObject({ running: true, adopted: false, masterPid: fx.masterPid() });
    const liveFiles = await readdir(join(fx.sharedDir, 'live', 'current'));
    expect(liveFiles.sort()).toEqual(['0-haproxy-supervisor.cfg', '20-web.cfg', 'manifest.json']);
    const global = await readFile(join(fx.sharedDir, 'live', 'current', '0-haproxy-supervisor.cfg'), 'utf8');
    expect(global).toContain(`stats socket ${fx.sharedDir}/run/haproxy-admin.sock mode 600 level admin expose-fd listeners`);
    expect(global).toContain(`server log-shipper 127.0.0.1:${fx.ports.syslogTcp} log-proto octet-count`);
    // Templates say only `log global`: request logs reach the log-shipper, octet-counted RFC 5424.
    await waitFor(() => /^\d+ <\d+>1 /m.test(syslogData) && syslogData.includes('web app/a'), { timeoutMs: 10_000, what: `an httplog line on the syslog TCP port; got: ${syslogData.slice(0, 300)}` });

    const master = fx.masterPid();
    const v2 = await fx.publishRendered({ '20-web.cfg': fx.webConfig([b], SupervisorFixture.spare('v2')) });
    await routesTo('b');
    const s2 = await fx.waitState((s) => s.status === 'ok' && s.rendered === v2, 'state after reload');
    expect(s2.current).not.toBe(s1.current);
    expect(s2.current).toBe(await fx.liveId());
    expect(s2.haproxy.masterPid).toBe(master);
    expect(s2.haproxy.reloads).toBe(1);
    expect(s2.counters).toMatchObject({ reloadsOk: 1, checksValid: 2 });

    const body = await fx.metrics();
    expect(metricValue(body, 'haproxy_supervisor_reloads_total', { result: 'success' })).toBe(1);
    expect(metricValue(body, 'haproxy_supervisor_updates_total', { method: 'reload' })).toBe(1);
    expect(metricValue(body, 'haproxy_supervisor_config_checks_total', { result: 'valid' })).toBe(2);
    expect(metricValue(body, 'haproxy_supervisor_config_valid')).toBe(1);
    expect(metricValue(body, 'haproxy_supervisor_live_version_info', { version: s2.current })).toBe(1);
    expect(metricValue(body, 'haproxy_supervisor_live_version_info', { version: s1.current })).toBeNaN();
    expect(metricValue(body, 'haproxy_supervisor_reload_duration_seconds_count')).toBe(1);
  });

  it('serves /metrics and the textfile clean for promtool', async () => {
    expect(promtoolCheck(await fx.metrics())).toEqual({ status: 0, findings: '' });
    // The textfile is written at most once a second (core's TextfileWriter): wait for the reload's figures.
    const textfile = await vi.waitFor(async () => {
      const text = await readFile(join(fx.sharedDir, 'textfile', 'haproxy-supervisor.prom'), 'utf8');
      expect(text).toContain('haproxy_supervisor_reloads_total{result="success"} 1');
      return text;
    }, { timeout: 5000, interval: 100 });
    expect(promtoolCheck(textfile)).toEqual({ status: 0, findings: '' });
  });

  it('holds a file haproxy -c fails on (left out: never live) while the rest goes live, and recovers', async () => {
    // Changed on purpose (per-file hold): one broken file no longer stops the version.
    const traffic = new Traffic(fx.ports.http, { keepAliveClients: 1, newConnectionClients: 1 });
    const good = await fx.liveId();
    const bad = await fx.publishRendered(
      { '20-web.cfg': fx.webConfig([b]), '60-bad.cfg': 'backend broken\n  balance roundrobin\n  frobnicate yes\n' },
      { '60-bad.cfg': 'teams/60-bad.cfg.hbs' },
    );
    const s = await fx.waitState((st) => st.rendered === bad && st.held?.length === 1, '60-bad.cfg held in state');
    expect(s.status).toBe('degraded');
    expect(s.current).not.toBe(good);
    expect(s.held[0]).toMatchObject({ file: '60-bad.cfg', template: 'teams/60-bad.cfg.hbs', line: 3, code: 'HAPROXY_CHECK', runs: 'none' });
    expect(s.held[0].reason).toContain("unknown keyword 'frobnicate'");
    expect(s.held[0].since).toMatch(/^\d{4}-/);
    // lastError names the held file as the whole-version rejection did (alerts, apictl status).
    expect(s.lastError).toMatchObject({ code: 'HAPROXY_CHECK_FAILED', context: { file: '60-bad.cfg', template: 'teams/60-bad.cfg.hbs', line: 3, rendered: bad } });
    await routesTo('b');
    expect(await readdir(join(fx.sharedDir, 'live', 'current'))).not.toContain('60-bad.cfg');
    expect(metricValue(await fx.metrics(), 'haproxy_supervisor_held_files')).toBe(1);

    // A map file the config names but the version lacks: that file is held at its live copy.
    const mapped = (extra: string) =>
      fx.webConfig([b]).replace('  default_backend app', `  use_backend %[req.hdr(host),lower,map(maps/hosts.map,app)]\n  default_backend app${extra}`);
    const noMap = await fx.publishRendered({ '20-web.cfg': mapped('') });
    const s2 = await fx.waitState((st) => st.rendered === noMap && st.held?.[0]?.file === '20-web.cfg', 'missing map: file held');
    expect(s2.held).toHaveLength(1);
    expect(s2.held[0]).toMatchObject({ file: '20-web.cfg', template: '20-web.cfg.hbs', line: 13, code: 'HAPROXY_CHECK', runs: 'live' });
    expect(s2.held[0].reason).toContain('maps/hosts.map');
    expect(s2.status).toBe('degraded');
    // The held file runs as it was live: the live files are exactly what HAProxy runs.
    expect(await readFile(join(fx.sharedDir, 'live', 'current', '20-web.cfg'), 'utf8')).toBe(fx.webConfig([b]));
    expect((await requestVia(fx.ports.http, 'app.test')).body).toBe('b');

    // Fixed: the map ships with the version (relative path resolves inside it, -C).
    const fixed = await fx.publishRendered({ '20-web.cfg': mapped(''), 'maps/hosts.map': 'app.test app\n' }, { 'maps/hosts.map': null });
    const s3 = await fx.waitState((st) => st.rendered === fixed && st.status === 'ok', 'recovered');
    expect(s3.lastError).toBeNull();
    expect(s3.held).toEqual([]);
    expect(s3.current).not.toBe(good);
    expect(metricValue(await fx.metrics(), 'haproxy_supervisor_held_files')).toBe(0);
    await routesTo('b');
    const stats = await traffic.stop();
    expect(stats.keepAlive.ok).toBeGreaterThan(0);
    expect(stats.newConnection.ok).toBeGreaterThan(0);
    expect({ keepAlive: stats.keepAlive.reasons, newConnection: stats.newConnection.reasons }).toEqual({ keepAlive: {}, newConnection: {} });
  });

  it('refuses a version whose new bind port another process holds, without touching the running worker', async () => {
    const heldPort = await freePort();
    const holder: Server = createServer();
    await new Promise<void>((r) => holder.listen(heldPort, '127.0.0.1', () => r()));
    const traffic = new Traffic(fx.ports.http, { keepAliveClients: 1, newConnectionClients: 1 });
    try {
      const good = await fx.liveId();
      const before = await fx.state();
      const clash = await fx.publishRendered({ '20-web.cfg': fx.webConfig([a], `\nfrontend extra\n  bind 127.0.0.1:${heldPort}\n  default_backend app\n`) });
      const s = await fx.waitState((st) => st.rendered === clash && st.lastError?.code === 'RELOAD_FAILED', 'RELOAD_FAILED in state');
      expect(s.status).toBe('degraded');
      expect(s.current).toBe(good);
      expect(await fx.liveId()).toBe(good);
      expect(s.lastError.message).toContain('EADDRINUSE');
      expect(s.lastError.context).toMatchObject({ reason: 'bind-conflict', file: '20-web.cfg', template: '20-web.cfg.hbs', line: 20, text: `bind 127.0.0.1:${heldPort}` });
      // Refused before reloading: HAProxy would pause the live listeners while retrying the bind.
      expect(s.haproxy.reloads).toBe(before.haproxy.reloads);
      expect(metricValue(await fx.metrics(), 'haproxy_supervisor_reloads_total', { result: 'failure' })).toBe(1);
      expect((await requestVia(fx.ports.http, 'app.test')).body).toBe('b');

      const next = await fx.publishRendered({ '20-web.cfg': fx.webConfig([a]) });
      await fx.waitState((st) => st.rendered === next && st.status === 'ok', 'recovered after refused version');
      await routesTo('a');
    } finally {
      holder.close();
    }
    const stats = await traffic.stop();
    expect({ keepAlive: stats.keepAlive.reasons, newConnection: stats.newConnection.reasons }).toEqual({ keepAlive: {}, newConnection: {} });
  });

  it('survives a version whose new worker dies at start (valid for -c): restarts HAProxy from the last good version', async () => {
    const good = await fx.liveId();
    const before = await fx.state();
    // `haproxy -c` does not chroot; the new worker fails when it tries, and 2.6's
    // master then kills every process, the old worker too (exit-on-failure).
    // The built-in policy refuses any `global` in a rendered file; this version's own policy allows chroot there.
    const policy = 'version: 1\nrules:\n  - files: ["10-global.cfg"]\n    sections: [global]\n    only: { global: [chroot] }\n    externalFiles: true\n  - files: ["*.cfg"]\n    sections: [defaults, frontend, backend]\n';
    const failing = await fx.publishRendered({ '10-global.cfg': 'global\n  chroot /nonexistent-supervisor-test\n', '20-web.cfg': fx.webConfig([b]), 'policy.yaml': policy }, { 'policy.yaml': null });
    const s = await fx.waitState((st) => st.rendered === failing && st.counters.reloadsFailed === before.counters.reloadsFailed + 1 && st.counters.restarts === 1, 'failed reload then restart');
    expect(s.status).toBe('degraded');
    expect(s.lastError.code).toBe('RELOAD_FAILED');
    expect(s.lastError.message).toContain('chroot');
    expect(s.current).toBe(good);
    expect(await fx.liveId()).toBe(good);
    expect(s.haproxy.masterPid).not.toBe(before.haproxy.masterPid);
    expect(s.haproxy.masterPid).toBe(fx.masterPid());
    const body = await fx.metrics();
    expect(metricValue(body, 'haproxy_supervisor_reloads_total', { result: 'failure' })).toBe(2);
    expect(metricValue(body, 'haproxy_supervisor_haproxy_restarts_total')).toBe(1);
    await routesTo('a');

    const next = await fx.publishRendered({ '20-web.cfg': fx.webConfig([b]) });
    await fx.waitState((st) => st.rendered === next && st.status === 'ok', 'recovered after failed reload');
    await routesTo('b');
  });

  it('keeps server state set through the runtime API across a reload (server-state-file)', async () => {
    const both = await fx.publishRendered({ '20-web.cfg': fx.webConfig([a, b]) });
    const settled = await fx.waitState((st) => st.rendered === both && st.status === 'ok', 'both servers live');
    await waitFor(async () => {
      const bodies = new Set<string>();
      for (let i = 0; i < 6; i++) bodies.add((await requestVia(fx.ports.http, 'app.test')).body);
      return bodies.size === 2;
    }, { what: 'both servers in rotation' });
    const admin = join(fx.sharedDir, 'run', 'haproxy-admin.sock');
    await cliCommand(admin, 'set server app/b state maint');
    const before = settled.counters.reloadsOk;
    const next = await fx.publishRendered({ '20-web.cfg': fx.webConfig([a, b], SupervisorFixture.spare('state')) });
    await fx.waitState((st) => st.rendered === next && st.counters.reloadsOk === before + 1, 'reloaded');
    const bodies = new Set<string>();
    for (let i = 0; i < 8; i++) bodies.add((await requestVia(fx.ports.http, 'app.test')).body);
    expect([...bodies]).toEqual(['a']);
    // Columns: be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state ...; admin bit 0x01 = forced maintenance.
    const line = (await cliCommand(admin, 'show servers state app')).split('\n').find((l) => / app \d+ b /.test(l)) ?? '';
    expect(Number(line.split(' ')[6]) & 1).toBe(1);
    await cliCommand(admin, 'set server app/b state ready');
  });

  it('stops HAProxy on SIGTERM and exits 0, without waiting hard-stop-after for an idle keep-alive client', async () => {
    const master = fx.masterPid()!;
    expect(fx.haproxyPids()).toContain(master);
    // An idle keep-alive connection: with idle-close-on-response the stopping worker would
    // wait for its next request until hard-stop-after (5 s here); the supervisor sees only
    // idle connections left and hard-stops.
    const idle = connect(fx.ports.http, '127.0.0.1');
    let answered = '';
    idle.on('data', (d: Buffer) => (answered += d.toString()));
    idle.on('error', () => undefined);
    idle.write('GET / HTTP/1.1\r\nHost: app.test\r\n\r\n');
    await waitFor(() => answered.includes('200'), { timeoutMs: 5000, what: 'the keep-alive answer' });
    const started = Date.now();
    expect(await fx.proc.stop('SIGTERM')).toBe(0);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(fx.haproxyPids()).toEqual([]);
    // The master keeper's last word in the state file.
    expect((await fx.state()).haproxy).toMatchObject({ running: false, phase: 'stopped' });
    idle.destroy();
  });
});
