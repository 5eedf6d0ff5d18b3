import { connect, type Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliCommand } from '../../packages/haproxy-supervisor/src/haproxy/cli.js';
import { parseShowProc } from '../../packages/haproxy-supervisor/src/haproxy/show-proc.js';
import { Backend, EchoBackend } from '../helpers/backends.js';
import { metricValue, requestVia } from '../helpers/pipeline.js';
import { freePorts, waitFor } from '../helpers/ports.js';
import { SupervisorFixture } from './supervisor-fixture.js';

// Server-only changes through HAProxy's runtime API (no reload), what still takes a
// reload, and what a reload must not break: a long-lived TCP connection, an in-flight
// request, a removed server that never goes idle. Ends with the SIGTERM drain.

let fx: SupervisorFixture;
let a: Backend;
let b: Backend;
let c: Backend;
let echo: EchoBackend;
let ports: { stats: number; tcp: number };

/** The rendered config: `servers` are the app backend's lines, `extra` appended. */
const config = (servers: string[], opts: { extra?: string; echo?: boolean } = {}) => `defaults
  mode http
  log global
  option httplog
  option idle-close-on-response
  timeout connect 2s
  timeout client 10s
  timeout server 10s
  load-server-state-from-file global
  default-server init-addr last,libc,none check inter 1s pool-purge-delay 200ms

frontend web
  bind 127.0.0.1:${fx.ports.http}
  default_backend app

frontend stats
  bind 127.0.0.1:${ports.stats}
  monitor-uri /healthz
  monitor fail if { var(proc.haproxy_supervisor_draining) -m int gt 0 }

listen tcp
  mode tcp
  option tcplog
  no option idle-close-on-response
  bind 127.0.0.1:${ports.tcp}
  timeout client 1m
  timeout server 1m
${opts.echo === false ? '' : `  server echo 127.0.0.1:${echo.port}`}

backend app
  balance roundrobin
${servers.map((s) => `  ${s}`).join('\n')}
${opts.extra ?? ''}`;

const srv = (name: string, backend: Backend, more = '') => `server ${name} 127.0.0.1:${backend.port}${more ? ` ${more}` : ''}`;

async function masterReloads(): Promise<number> {
  return parseShowProc(await cliCommand(join(fx.sharedDir, 'run', 'haproxy-master.sock'), 'show proc'))!.master.reloads;
}

async function servedBy(n = 12): Promise<string[]> {
  const bodies = new Set<string>();
  for (let i = 0; i < n; i++) bodies.add((await requestVia(fx.ports.http, 'app.test')).body);
  return [...bodies].sort();
}

/** Publishes `text` and waits until it is live and ok; returns the state. */
async function apply(text: string, what: string): Promise<Record<string, any>> {
  const id = await fx.publishRendered({ '20-web.cfg': text });
  return fx.waitState((s) => s.rendered === id && s.status === 'ok', what);
}

async function liveConfig(): Promise<string> {
  return readFile(join(fx.sharedDir, 'live', 'current', '20-web.cfg'), 'utf8');
}

function tcpClient(port: number): Promise<{ socket: Socket; say: (text: string) => Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => {
      const say = (text: string) =>
        new Promise<string>((res, rej) => {
          const timer = setTimeout(() => rej(new Error(`no echo for ${text}`)), 3000);
          socket.once('data', (d: Buffer) => {
            clearTimeout(timer);
            res(d.toString());
          });
          socket.write(text);
        });
      resolve({ socket, say });
    });
    socket.once('error', reject);
  });
}

beforeAll(async () => {
  fx = await SupervisorFixture.create();
  [a, b, c, echo] = await Promise.all([Backend.start('a'), Backend.start('b'), Backend.start('c'), EchoBackend.start('echo')]);
  const [stats, tcp] = (await freePorts(2)) as [number, number];
  ports = { stats, tcp };
  await fx.publishRendered({ '20-web.cfg': config([srv('a', a), srv('b', b)]) });
  fx.newProcess({ HAPROXY_DELETE_TIMEOUT: '2s', DRAIN_SECONDS: '2' }).start();
  await fx.waitReady();
});

afterAll(async () => {
  await fx?.cleanup();
  await Promise.all([a?.stop(), b?.stop(), c?.stop(), echo?.stop()]);
  expect(fx.haproxyPids()).toEqual([]);
});

describe('haproxy-supervisor runtime updates', () => {
  it('adds, removes and changes servers without a reload; the live file equals the rendered one', async () => {
    expect(await servedBy()).toEqual(['a', 'b']);
    const reloads = await masterReloads();

    const added = config([srv('a', a), srv('b', b), srv('c', c)]);
    const s1 = await apply(added, 'server c added');
    expect(s1.lastUpdate).toMatchObject({ method: 'runtime', reason: 'servers only: 1 added' });
    expect(await servedBy()).toEqual(['a', 'b', 'c']);
    expect(await liveConfig()).toBe(added);

    // Removal while requests are in flight on every server: each one finishes.
    const slow = Array.from({ length: 3 }, () => requestVia(fx.ports.http, 'app.test', '/slow?ms=1200'));
    await new Promise((r) => setTimeout(r, 200));
    const removed = config([srv('a', a), srv('c', c)]);
    const s2 = await apply(removed, 'server b removed');
    expect(s2.lastUpdate).toMatchObject({ method: 'runtime', reason: 'servers only: 1 removed' });
    expect(await servedBy()).toEqual(['a', 'c']);
    expect((await Promise.all(slow)).map((r) => r.status)).toEqual([200, 200, 200]);
    // Deleted from HAProxy once idle, not only put in maintenance.
    const admin = join(fx.sharedDir, 'run', 'haproxy-admin.sock');
    await waitFor(async () => !/ app \d+ b /.test(await cliCommand(admin, 'show servers state app')), { timeoutMs: 8000, what: 'server b deleted' });
    await waitFor(async () => metricValue(await fx.metrics(), 'haproxy_supervisor_servers_pending_deletion') === 0, { what: 'no pending deletion' });

    // Address, port and weight: server a now points at b's process, c gets weight 0.
    const moved = config([srv('a', b), srv('c', c, 'weight 0')]);
    const s3 = await apply(moved, 'address and weight changed');
    expect(s3.lastUpdate).toMatchObject({ method: 'runtime', reason: 'servers only: 2 updated' });
    expect(await servedBy()).toEqual(['b']);
    expect(await liveConfig()).toBe(moved);

    expect(await masterReloads()).toBe(reloads);
    const body = await fx.metrics();
    expect(metricValue(body, 'haproxy_supervisor_updates_total', { method: 'runtime' })).toBe(3);
    expect(metricValue(body, 'haproxy_supervisor_updates_total', { method: 'reload' })).toBe(0);
    expect(metricValue(body, 'haproxy_supervisor_runtime_update_duration_seconds_count')).toBe(3);
  });

  it('a structural change reloads once; servers added at runtime and a port changed with it are right afterwards', async () => {
    const reloads = await masterReloads();
    // Same servers, one more backend: a reload. Server a's port changes in the same
    // version: HAProxy 2.6 would take the old port from the state file, unless dropped.
    const s = await apply(config([srv('a', a), srv('c', c, 'weight 0')], { extra: SupervisorFixture.spare('structural') }), 'structural change');
    expect(s.lastUpdate.method).toBe('reload');
    expect(s.lastUpdate.reason).toContain('sections differ');
    expect(await masterReloads()).toBe(reloads + 1);
    expect(await servedBy()).toEqual(['a']);
  });

  it('a server keyword "add server" does not take falls back to a reload', async () => {
    const reloads = await masterReloads();
    const s = await apply(config([srv('a', a), srv('c', c), srv('d', b, 'cookie d')], { extra: SupervisorFixture.spare('structural') }), 'cookie server');
    expect(s.lastUpdate).toMatchObject({ method: 'reload' });
    expect(s.lastUpdate.reason).toContain('"cookie" cannot be set');
    expect(await masterReloads()).toBe(reloads + 1);
    expect(await servedBy()).toEqual(['a', 'b', 'c']);
  });

  it('a long-lived TCP connection and an in-flight slow request survive a reload', async () => {
    const tcp = await tcpClient(ports.tcp);
    expect(await tcp.say('x')).toBe('echo:x');
    const slow = requestVia(fx.ports.http, 'app.test', '/slow?ms=1500');
    await new Promise((r) => setTimeout(r, 200));
    const reloads = await masterReloads();
    await apply(config([srv('a', a), srv('c', c)], { extra: SupervisorFixture.spare('tcp') }), 'reload with connections open');
    expect(await masterReloads()).toBe(reloads + 1);
    expect(await tcp.say('y')).toBe('echo:y');
    expect((await slow).status).toBe(200);
    tcp.socket.destroy();
  });

  it('a removed server whose connection never ends is dropped by a reload after HAPROXY_DELETE_TIMEOUT; the connection lives on in the old worker', async () => {
    const tcp = await tcpClient(ports.tcp);
    expect(await tcp.say('1')).toBe('echo:1');
    const reloads = await masterReloads();
    const s = await apply(config([srv('a', a), srv('c', c)], { extra: SupervisorFixture.spare('tcp'), echo: false }), 'echo server removed');
    expect(s.lastUpdate.method).toBe('runtime');
    expect(metricValue(await fx.metrics(), 'haproxy_supervisor_servers_pending_deletion')).toBe(1);
    const after = await fx.waitState((st) => st.lastUpdate?.method === 'reload', 'reload after the delete timeout', 10_000);
    expect(after.lastUpdate.reason).toContain('still busy');
    expect(await masterReloads()).toBe(reloads + 1);
    expect(await tcp.say('2')).toBe('echo:2');
    expect(metricValue(await fx.metrics(), 'haproxy_supervisor_servers_pending_deletion')).toBe(0);
    tcp.socket.destroy();
  });

  it('on SIGTERM fails monitor-uri for DRAIN_SECONDS while still serving, then stops', async () => {
    const health = () => fetch(`http://127.0.0.1:${ports.stats}/healthz`).then((r) => r.status);
    expect(await health()).toBe(200);
    const stopped = fx.proc.stop('SIGTERM');
    await waitFor(async () => (await health()) === 503, { timeoutMs: 1500, intervalMs: 20, what: 'monitor-uri failing during the drain' });
    expect((await fetch(`${fx.url}/readyz`)).status).toBe(503);
    expect((await requestVia(fx.ports.http, 'app.test')).status).toBe(200);
    expect(await stopped).toBe(0);
    expect(fx.haproxyPids()).toEqual([]);
  });
});
