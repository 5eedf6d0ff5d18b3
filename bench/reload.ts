/**
 * Issue 4, "reload under load": a fixed-rate loopback load generator (keep-alive
 * clients and new-connection-per-request clients, counted apart) through HAProxy while
 * 100 reloads happen, side by side:
 *   - supervisor: the built haproxy-supervisor applying 100 structural versions
 *     (master-worker, master CLI reload, socket hand-over, idle-close-on-response)
 *   - haproxy -sf: the classic restart, `haproxy -D -f cfg -sf <old pid>`, same config
 * Goal: 0 failed requests across 100 reloads.
 * Run: npx tsc -b packages/haproxy-supervisor && node --import tsx bench/reload.ts
 * (writes bench/results/reload.json). Knobs: BENCH_RELOADS (100), BENCH_GAP_MS (200),
 * BENCH_CLIENTS (4 of each kind), BENCH_INTERVAL_MS (5: each client's request interval).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SupervisorFixture } from '../test/integration/supervisor-fixture.js';
import { Backend } from '../test/helpers/backends.js';
import { freePort, waitFor } from '../test/helpers/ports.js';
import { Traffic, type TrafficStats } from '../test/helpers/traffic.js';

const RELOADS = Number(process.env.BENCH_RELOADS ?? 100);
const GAP_MS = Number(process.env.BENCH_GAP_MS ?? 200);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 4);
const INTERVAL_MS = Number(process.env.BENCH_INTERVAL_MS ?? 5);
const ROOT = resolve(import.meta.dirname, '..');

interface Row {
  mode: string;
  reloads: number;
  seconds: number;
  keepAlive: { ok: number; failed: number; reasons: Record<string, number> };
  newConnection: { ok: number; failed: number; reasons: Record<string, number> };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function row(mode: string, reloads: number, seconds: number, s: TrafficStats): Row {
  const pick = (c: TrafficStats['keepAlive']) => ({ ok: c.ok, failed: c.failed, reasons: c.reasons });
  return { mode, reloads, seconds, keepAlive: pick(s.keepAlive), newConnection: pick(s.newConnection) };
}

async function supervisorRun(backends: Backend[]): Promise<Row> {
  const fx = await SupervisorFixture.create();
  try {
    await fx.publishRendered({ '20-web.cfg': fx.webConfig(backends) });
    fx.proc.start();
    await fx.waitReady();
    const traffic = new Traffic(fx.ports.http, { keepAliveClients: CLIENTS, newConnectionClients: CLIENTS, intervalMs: INTERVAL_MS });
    await sleep(500);
    const started = Date.now();
    const base = (await fx.state()).counters.reloadsOk ?? 0;
    for (let i = 1; i <= RELOADS; i++) {
      const id = await fx.publishRendered({ '20-web.cfg': fx.webConfig(backends, SupervisorFixture.spare(i)) });
      await fx.waitState((s) => s.rendered === id && s.counters.reloadsOk === base + i, `reload ${i}`, 30_000);
      await sleep(GAP_MS);
    }
    const seconds = (Date.now() - started) / 1000;
    await sleep(500);
    const reloads = (await fx.state()).haproxy.reloads as number;
    return row('supervisor (master CLI reload)', reloads, seconds, await traffic.stop());
  } finally {
    await fx.cleanup();
  }
}

/** The baseline: no master, no socket hand-over; each reload starts a new process that takes over with -sf. */
async function sfRun(backends: Backend[]): Promise<Row> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-sf-'));
  const port = await freePort();
  const cfg = join(dir, 'haproxy.cfg');
  const pidFile = join(dir, 'haproxy.pid');
  const text = (i: number) => `global
  stats socket ${dir}/admin.sock mode 600 level admin
  hard-stop-after 30s
defaults
  mode http
  option idle-close-on-response
  timeout connect 2s
  timeout client 10s
  timeout server 10s
frontend web
  bind 127.0.0.1:${port}
  default_backend app
backend app
  balance roundrobin
${backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port}`).join('\n')}
backend spare-${i}
`;
  const pids = new Set<number>();
  try {
    await writeFile(cfg, text(0));
    execFileSync('haproxy', ['-D', '-f', cfg, '-p', pidFile]);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/`).then((r) => r.status).catch(() => 0)) === 200, { what: 'haproxy -D up' });
    const traffic = new Traffic(port, { keepAliveClients: CLIENTS, newConnectionClients: CLIENTS, intervalMs: INTERVAL_MS });
    await sleep(500);
    const started = Date.now();
    for (let i = 1; i <= RELOADS; i++) {
      await writeFile(cfg, text(i));
      const old = (await readFile(pidFile, 'utf8')).trim();
      pids.add(Number(old));
      execFileSync('haproxy', ['-D', '-f', cfg, '-p', pidFile, '-sf', old]);
      await sleep(GAP_MS);
    }
    const seconds = (Date.now() - started) / 1000;
    await sleep(500);
    const stats = await traffic.stop();
    return row('haproxy -sf (baseline)', RELOADS, seconds, stats);
  } finally {
    const last = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
    for (const pid of [...pids, last]) {
      try {
        if (pid) process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await rm(dir, { recursive: true, force: true });
  }
}

const backends = await Promise.all([Backend.start('a'), Backend.start('b')]);
try {
  const rows = [await supervisorRun(backends), await sfRun(backends)];
  const reasons = (r: Record<string, number>) => Object.entries(r).map(([k, v]) => `${k}=${v}`).join(' ') || '-';
  console.log(`\n${RELOADS} reloads, ${CLIENTS}+${CLIENTS} clients, one request per ${INTERVAL_MS} ms each, ${GAP_MS} ms between reloads\n`);
  console.log('| mode | reloads | s | keep-alive ok | keep-alive failed | new-conn ok | new-conn failed | failure reasons |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.mode} | ${r.reloads} | ${r.seconds.toFixed(1)} | ${r.keepAlive.ok} | ${r.keepAlive.failed} | ${r.newConnection.ok} | ${r.newConnection.failed} | ka: ${reasons(r.keepAlive.reasons)}; nc: ${reasons(r.newConnection.reasons)} |`);
  }
  await mkdir(join(ROOT, 'bench', 'results'), { recursive: true });
  await writeFile(join(ROOT, 'bench', 'results', 'reload.json'), `${JSON.stringify({ at: new Date().toISOString(), reloads: RELOADS, gapMs: GAP_MS, clients: CLIENTS, intervalMs: INTERVAL_MS, rows }, null, 2)}\n`);
} finally {
  await Promise.all(backends.map((b) => b.stop()));
}
