import { spawnSync } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliCommand } from '../../packages/haproxy-supervisor/src/haproxy/cli.js';
import { parseShowProc } from '../../packages/haproxy-supervisor/src/haproxy/show-proc.js';
import { Backend } from '../helpers/backends.js';
import { metricValue, requestVia } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/ports.js';
import { SupervisorFixture } from './supervisor-fixture.js';

// The runtime path against a real HAProxy 2.6: hostile server lines never reach the
// admin socket as a second command, every live version passes haproxy -c (so HAProxy
// killed after runtime-only updates restarts from live/current), and servers added at
// runtime get the keywords and the connection pool of servers written in the config.

let fx: SupervisorFixture;
let a: Backend;
let b: Backend;
let c: Backend;

const config = (servers: string[]) => `defaults
  mode http
  log global
  timeout connect 2s
  timeout client 10s
  timeout server 10s
  load-server-state-from-file global
  default-server maxconn 77

frontend web
  bind 127.0.0.1:${fx.ports.http}
  default_backend app

backend app
  balance roundrobin
  default-server weight 3
${servers.map((s) => `  ${s}`).join('\n')}
`;

const srv = (name: string, backend: Backend, more = '') => `server ${name} 127.0.0.1:${backend.port}${more ? ` ${more}` : ''}`;
const admin = (command: string) => cliCommand(join(fx.sharedDir, 'run', 'haproxy-admin.sock'), command);

async function apply(servers: string[], what: string): Promise<Record<string, any>> {
  const id = await fx.publishRendered({ '20-web.cfg': config(servers) });
  return fx.waitState((s) => s.rendered === id && s.status === 'ok', what);
}

async function servedBy(n = 12): Promise<string[]> {
  const bodies = new Set<string>();
  for (let i = 0; i < n; i++) bodies.add((await requestVia(fx.ports.http, 'app.test')).body.trim());
  return [...bodies].sort();
}

/** `show servers conn app`, one record per server keyed by the header's column names. */
async function serverConns(): Promise<Record<string, Record<string, string>>> {
  const [header, ...rows] = (await admin('show servers conn app')).trim().split('\n');
  const names = header!.replace(/^# /, '').split(' ');
  const out: Record<string, Record<string, string>> = {};
  for (const row of rows) {
    const cells = row.split(' ');
    out[cells[0]!.split('/')[1]!] = Object.fromEntries(names.map((n, i) => [n, cells[i] ?? '']));
  }
  return out;
}

/** uweight and maxconn of each server in `app` (show stat columns `weight`, `slim`). */
async function weightsAndLimits(): Promise<Record<string, string>> {
  const [header, ...rows] = (await admin('show stat')).trim().split('\n');
  const cols = header!.replace(/^# /, '').split(',');
  const at = (row: string[], name: string) => row[cols.indexOf(name)];
  const out: Record<string, string> = {};
  for (const row of rows.map((r) => r.split(','))) if (at(row, 'pxname') === 'app' && at(row, 'svname') !== 'BACKEND') out[at(row, 'svname')!] = `${at(row, 'weight')}/${at(row, 'slim')}`;
  return out;
}

beforeAll(async () => {
  fx = await SupervisorFixture.create();
  [a, b, c] = await Promise.all([Backend.start('a'), Backend.start('b'), Backend.start('c')]);
  await fx.publishRendered({ '20-web.cfg': config([srv('a', a), srv('b', b)]) });
  fx.proc.start();
  await fx.waitReady();
});

afterAll(async () => {
  await fx?.cleanup();
  await Promise.all([a?.stop(), b?.stop(), c?.stop()]);
  expect(fx.haproxyPids()).toEqual([]);
});

describe('haproxy-supervisor runtime path safety', () => {
  it('a server added at runtime gets the default-server keywords and the idle connection pool of a configured one', async () => {
    const s = await apply([srv('a', a), srv('b', b), srv('c', c)], 'server c added');
    expect(s.lastUpdate).toMatchObject({ method: 'runtime' });
    // default-server of the defaults section (maxconn) and of the backend (weight).
    expect(await weightsAndLimits()).toEqual({ a: '3/77', b: '3/77', c: '3/77' });
    const conns = await serverConns();
    expect(conns.c!.idle_lim).toBe(conns.a!.idle_lim);
    expect(conns.c!.purge_delay).toBe(conns.a!.purge_delay);
    expect(conns.c!.idle_lim).toBe('-1');
    // And it really keeps connections: after requests, idle ones wait in c's pool.
    for (let i = 0; i < 9; i++) await requestVia(fx.ports.http, 'app.test');
    const after = await serverConns();
    expect(Number(after.c!.idle_cur)).toBeGreaterThan(0);
  });

  it.each([
    ['";" in a value the runtime plan accepts (inter)', 'inter 1s;new ssl ca-file /etc/passwd', 'unsafe'],
    ['";" in the weight', 'weight 1;new ssl ca-file /etc/passwd', null],
    ['spaces in a value (extra words)', 'agent-send hello world', null],
  ])('%s: never reaches the socket as two commands; haproxy -c refuses the version and the previous live keeps serving', async (_name, tail, fallback) => {
    const caFiles = await admin('show ssl ca-file');
    const live = await fx.liveId();
    const before = metricValue(await fx.metrics(), 'haproxy_supervisor_runtime_fallbacks_total', { reason: 'unsafe' });
    const id = await fx.publishRendered({ '20-web.cfg': config([srv('a', a), srv('b', b), srv('c', c), srv('x', a, tail)]) });
    const s = await fx.waitState((st) => st.lastAttemptAt && st.status === 'degraded' && st.lastError?.context?.rendered === id, 'version refused');
    expect(s.lastError.code).toBe('CONFIG_INVALID');
    if (fallback) expect(s.lastRuntimeFallback).toMatchObject({ failure: fallback, rendered: id, reason: expect.stringContaining('"1s;new"') });
    expect(metricValue(await fx.metrics(), 'haproxy_supervisor_runtime_fallbacks_total', { reason: 'unsafe' })).toBe(before + (fallback ? 1 : 0));
    expect(await admin('show ssl ca-file')).toBe(caFiles);
    expect(await admin('show servers state app')).not.toMatch(/ app \d+ x /);
    expect(await fx.liveId()).toBe(live);
    expect(await servedBy()).toEqual(['a', 'b', 'c']);
  });

  it('a runtime update HAProxy refuses half way whose version haproxy -c also rejects: the commands already accepted are undone', async () => {
    const live = await fx.liveId();
    const before = metricValue(await fx.metrics(), 'haproxy_supervisor_runtime_fallbacks_total', { reason: 'refused' });
    // x is added; y tracks a server without health checks: HAProxy refuses it, and so does -c.
    const id = await fx.publishRendered({ '20-web.cfg': config([srv('a', a), srv('b', b), srv('c', c), srv('x', a), srv('y', b, 'track a')]) });
    const s = await fx.waitState((st) => st.lastRuntimeFallback?.rendered === id && st.lastUpdate?.reason?.includes('refused runtime update'), 'undo of the accepted commands');
    expect(s.lastRuntimeFallback.failure).toBe('refused');
    expect(s.lastError.code).toBe('CONFIG_INVALID');
    expect(metricValue(await fx.metrics(), 'haproxy_supervisor_runtime_fallbacks_total', { reason: 'refused' })).toBe(before + 1);
    expect(await admin('show servers state app')).not.toMatch(/ app \d+ x /);
    expect(await fx.liveId()).toBe(live);
    expect(await servedBy()).toEqual(['a', 'b', 'c']);
  });

  it('HAProxy killed (SIGKILL master and workers) after a series of runtime-only updates restarts from live/current and serves the current set of servers', async () => {
    const steps: Array<[string[], string]> = [
      [[srv('a', a), srv('c', c)], 'b removed'],
      [[srv('a', a), srv('c', c), srv('b2', b, 'weight 5')], 'b2 added'],
      [[srv('a', a, 'disabled'), srv('c', c), srv('b2', b, 'weight 5')], 'a disabled'],
      [[srv('a', a, 'disabled'), srv('b2', b, 'weight 5')], 'c removed'],
    ];
    for (const [servers, what] of steps) expect((await apply(servers, what)).lastUpdate.method).toBe('runtime');
    expect(await servedBy()).toEqual(['b']);
    // What a restart starts from passes haproxy -c.
    const dir = join(fx.sharedDir, 'live', 'current');
    expect([0, 2]).toContain(spawnSync('haproxy', ['-c', '-q', '-C', dir, '-f', dir]).status);

    const restarts = (await fx.state()).counters.restarts ?? 0;
    const old = fx.haproxyPids();
    for (const pid of old) process.kill(pid, 'SIGKILL');
    const s = await fx.waitState((st) => st.counters.restarts === restarts + 1 && st.status === 'ok', 'restart recorded');
    expect(old).not.toContain(s.haproxy.masterPid);
    await waitFor(async () => (await servedBy()).join() === 'b', { timeoutMs: 10_000, what: 'serving b2 only after the restart' });
    expect(await weightsAndLimits()).toEqual({ a: '3/77', b2: '5/77' });
  });
});

// Every real runtime-API change HAProxy accepts also passes -c, and a check on this
// box is quick, so here the verdict and its duration are forced: HAPROXY_BIN is the
// real haproxy behind a wrapper whose `-c` takes 1.5 s and fails on a marker server
// name. The runtime commands, the master, its reloads and the undo are all real.
describe('haproxy-supervisor runtime path with a slow, vetoing haproxy -c', () => {
  let fx2: SupervisorFixture;
  const config2 = (servers: string[]) => fx2.webConfig([a]).replace(/\n  server a .*\n/, `\n${servers.map((x) => `  ${x}`).join('\n')}\n`);
  const admin2 = (command: string) => cliCommand(join(fx2.sharedDir, 'run', 'haproxy-admin.sock'), command);
  /** Servers of `app` in rotation: listed and in no maintenance (admin state bits 0x7; a removed one waits in maint for its delete). */
  const running = async () =>
    (await admin2('show servers state app'))
      .split('\n')
      .map((l) => l.split(' '))
      .filter((f) => f.length > 6 && /^\d+$/.test(f[0]!) && (Number(f[6]) & 0x7) === 0)
      .map((f) => f[3])
      .sort();
  const reloads = async () => parseShowProc(await cliCommand(join(fx2.sharedDir, 'run', 'haproxy-master.sock'), 'show proc'))!.master.reloads;

  beforeAll(async () => {
    fx2 = await SupervisorFixture.create();
    const bin = join(fx2.sharedDir, 'haproxy-slow-check');
    await writeFile(
      bin,
      '#!/bin/sh\nif [ "$1" = "-c" ]; then\n  for a in "$@"; do dir="$a"; done\n  sleep 1.5\n' +
        '  if grep -qs "server rejected-by-check " "$dir"/*.cfg; then echo "[ALERT]    (1) : config : vetoed by the test"; exit 1; fi\nfi\nexec haproxy "$@"\n',
    );
    await chmod(bin, 0o755);
    await fx2.publishRendered({ '20-web.cfg': config2([srv('a', a), srv('b', b)]) });
    fx2.newProcess({ HAPROXY_BIN: bin }).start();
    await fx2.waitReady(30_000);
  });

  afterAll(async () => {
    await fx2?.cleanup();
  });

  it('the check does not hold up the next change: it is planned against what HAProxy runs, applied at once, and live ends on it', async () => {
    const before = await reloads();
    const live = await fx2.liveId();
    await fx2.publishRendered({ '20-web.cfg': config2([srv('a', a), srv('b', b), srv('c', c)]) });
    await waitFor(async () => (await running()).includes('c'), { timeoutMs: 1000, intervalMs: 20, what: 'c added at runtime' });
    const started = Date.now();
    // While c's version is being checked: against live/current this would add c again (refused, reload).
    const next = await fx2.publishRendered({ '20-web.cfg': config2([srv('a', a), srv('c', c)]) });
    await waitFor(async () => (await running()).join() === 'a,c', { timeoutMs: 1000, intervalMs: 20, what: 'b gone at runtime' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await fx2.liveId()).toBe(live);
    const s = await fx2.waitState((st) => st.rendered === next && st.status === 'ok', 'newest version published');
    expect(s.lastUpdate.method).toBe('runtime');
    expect(await reloads()).toBe(before);
    expect(await readFile(join(fx2.sharedDir, 'live', 'current', '20-web.cfg'), 'utf8')).toBe(config2([srv('a', a), srv('c', c)]));
  });

  it('a runtime-only version haproxy -c rejects after its commands is undone: live/current is reloaded, CONFIG_INVALID reported, the next good version applies', async () => {
    const live = await fx2.liveId();
    const id = await fx2.publishRendered({ '20-web.cfg': config2([srv('a', a), srv('c', c), srv('rejected-by-check', b)]) });
    await waitFor(async () => (await running()).includes('rejected-by-check'), { timeoutMs: 1000, intervalMs: 20, what: 'added at runtime before the check' });
    const s = await fx2.waitState((st) => st.lastUpdate?.method === 'reload' && st.lastRuntimeFallback?.rendered === id, 'undo reload');
    expect(s.status).toBe('degraded');
    expect(s.lastError.code).toBe('CONFIG_INVALID');
    expect(s.lastRuntimeFallback.failure).toBe('check-failed');
    expect(s.lastUpdate.reason).toContain('undo');
    expect(await fx2.liveId()).toBe(live);
    expect(await running()).toEqual(['a', 'c']);
    expect(metricValue(await fx2.metrics(), 'haproxy_supervisor_runtime_fallbacks_total', { reason: 'check-failed' })).toBe(1);

    const good = await fx2.publishRendered({ '20-web.cfg': config2([srv('a', a), srv('b', b)]) });
    const ok = await fx2.waitState((st) => st.rendered === good && st.status === 'ok', 'next good version');
    expect(ok.lastUpdate.method).toBe('runtime');
    expect(await running()).toEqual(['a', 'b']);
    expect(await fx2.liveId()).toBe(ok.current);
  });
});
