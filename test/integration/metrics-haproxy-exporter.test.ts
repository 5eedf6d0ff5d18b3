import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComponentProcess, getText } from '../helpers/component.js';
import { metricValue } from '../helpers/pipeline.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { promtoolCheck } from '../helpers/promtool.js';

// :9101 against a real HAProxy 2.6 in master-worker mode, with traffic flowing, compared
// with HAProxy's own stats page (`;csv`) for the same moment.

let dir: string;
let backend: Server;
let haproxy: ChildProcess | undefined;
let metrics: ComponentProcess;
const ports = { fe: 0, be: 0, dead: 0, stats: 0, exporter: 0, logs: 0, own: 0 };

const haproxyConfig = () => `
global
  stats socket ${dir}/run/haproxy-admin.sock level admin expose-fd listeners
defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
frontend fe
  bind 127.0.0.1:${ports.fe}
  default_backend be
backend be
  server s1 127.0.0.1:${ports.be} check inter 200
  server s2 127.0.0.1:${ports.dead} check inter 200 fall 1
listen stats
  bind 127.0.0.1:${ports.stats}
  stats enable
  stats uri /stats
`;

async function startHaproxy(): Promise<void> {
  const proc = spawn('haproxy', ['-W', '-db', '-S', `${dir}/run/master.sock`, '-f', `${dir}/haproxy.cfg`], { stdio: 'ignore' });
  haproxy = proc;
  await waitFor(() => stat(`${dir}/run/haproxy-admin.sock`).then(() => true), { what: 'haproxy admin socket' });
  await waitFor(() => fetch(`http://127.0.0.1:${ports.stats}/stats;csv`).then((r) => r.ok), { what: 'haproxy stats page' });
}

/** HAProxy's own view: `pxname/svname` -> column -> value, from the stats page CSV. */
async function statsPage(): Promise<Map<string, Map<string, string>>> {
  const text = await (await fetch(`http://127.0.0.1:${ports.stats}/stats;csv`)).text();
  const [header, ...rows] = text.trim().split('\n');
  const names = (header ?? '').replace(/^# /, '').split(',');
  const out = new Map<string, Map<string, string>>();
  for (const row of rows) {
    const fields = row.split(',');
    out.set(`${fields[0]}/${fields[1]}`, new Map(names.map((n, i) => [n, fields[i] ?? ''])));
  }
  return out;
}

const exporterBody = async () => (await getText(`http://127.0.0.1:${ports.exporter}/metrics`)).body;

/** (series on :9101, row and column on the stats page) pairs compared below. */
const COUNTERS: Array<[string, Record<string, string>, string, string]> = [
  ['haproxy_frontend_sessions_total', { frontend: 'fe' }, 'fe/FRONTEND', 'stot'],
  ['haproxy_frontend_http_requests_total', { frontend: 'fe' }, 'fe/FRONTEND', 'req_tot'],
  ['haproxy_frontend_bytes_in_total', { frontend: 'fe' }, 'fe/FRONTEND', 'bin'],
  ['haproxy_frontend_bytes_out_total', { frontend: 'fe' }, 'fe/FRONTEND', 'bout'],
  ['haproxy_frontend_http_responses_total', { frontend: 'fe', code: '2xx' }, 'fe/FRONTEND', 'hrsp_2xx'],
  ['haproxy_backend_sessions_total', { backend: 'be' }, 'be/BACKEND', 'stot'],
  ['haproxy_backend_http_responses_total', { backend: 'be', code: '2xx' }, 'be/BACKEND', 'hrsp_2xx'],
  ['haproxy_server_sessions_total', { backend: 'be', server: 's1' }, 'be/s1', 'stot'],
  ['haproxy_server_bytes_out_total', { backend: 'be', server: 's1' }, 'be/s1', 'bout'],
  ['haproxy_server_check_failures_total', { backend: 'be', server: 's2' }, 'be/s2', 'chkfail'],
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'metrics-exporter-'));
  await mkdir(join(dir, 'run'));
  for (const key of Object.keys(ports) as Array<keyof typeof ports>) ports[key] = await freePort();
  backend = createServer((_req, res) => res.end('hello from the backend\n'));
  await new Promise<void>((r) => backend.listen(ports.be, '127.0.0.1', r));
  await writeFile(join(dir, 'haproxy.cfg'), haproxyConfig());
  await startHaproxy();
  metrics = new ComponentProcess('metrics', {
    SHARED_DIR: dir,
    LOG_DIR: join(dir, 'logs'),
    HAPROXY_METRICS_ADDR: `127.0.0.1:${ports.exporter}`,
    LOG_METRICS_ADDR: `127.0.0.1:${ports.logs}`,
    METRICS_ADDR: `127.0.0.1:${ports.own}`,
  }).start();
  await waitFor(() => getText(`http://127.0.0.1:${ports.own}/readyz`).then((r) => r.status === 200), { what: 'metrics /readyz' });
});

afterAll(async () => {
  await metrics?.stop();
  haproxy?.kill('SIGKILL');
  await new Promise<void>((r) => backend?.close(() => r()));
  await rm(dir, { recursive: true, force: true });
});

describe('metrics :9101 (haproxy_exporter families from the stats socket)', () => {
  it('agrees with the stats page during and after traffic, and passes promtool', async () => {
    // The dead server is DOWN before traffic, so every request goes to s1.
    await waitFor(async () => metricValue(await exporterBody(), 'haproxy_server_up', { server: 's2' }) === 0, { what: 's2 DOWN on :9101' });

    let sent = 0;
    let running = true;
    const client = async () => {
      while (running) {
        const res = await fetch(`http://127.0.0.1:${ports.fe}/`);
        await res.text();
        sent++;
      }
    };
    const clients = Array.from({ length: 4 }, client);
    await new Promise((r) => setTimeout(r, 300));
    for (let round = 0; round < 3; round++) {
      // Counters only grow: HAProxy's page before <= the exporter <= the page after.
      const before = await statsPage();
      const body = await exporterBody();
      const after = await statsPage();
      for (const [name, labels, row, column] of COUNTERS) {
        const value = metricValue(body, name, labels);
        expect(value, `${name} vs ${row} ${column}`).toBeGreaterThanOrEqual(Number(before.get(row)?.get(column)));
        expect(value, `${name} vs ${row} ${column}`).toBeLessThanOrEqual(Number(after.get(row)?.get(column)));
      }
    }
    running = false;
    await Promise.all(clients);
    expect(sent).toBeGreaterThan(50);

    // Quiet: the same moment seen by both must match exactly. HAProxy may still count the last
    // bytes of a keep-alive connection a moment after its response (a CI run saw one request's
    // worth, 137 bytes, arrive between the page and the exporter), so the exporter is read
    // between two pages that agree.
    let page = await statsPage();
    let body = '';
    await waitFor(async () => {
      const first = page;
      body = await exporterBody();
      page = await statsPage();
      return COUNTERS.every(([, , row, column]) => first.get(row)?.get(column) === page.get(row)?.get(column));
    }, { timeoutMs: 10_000, what: 'the stats page to stop moving' });
    for (const [name, labels, row, column] of COUNTERS) {
      expect(metricValue(body, name, labels), `${name} vs ${row} ${column}`).toBe(Number(page.get(row)?.get(column)));
    }
    expect(metricValue(body, 'haproxy_frontend_http_requests_total', { frontend: 'fe' })).toBe(sent);
    expect(metricValue(body, 'haproxy_server_http_responses_total', { server: 's1', code: '2xx' })).toBe(sent);
    expect(metricValue(body, 'haproxy_up')).toBe(1);
    expect(metricValue(body, 'haproxy_backend_up', { backend: 'be' })).toBe(1);
    expect(metricValue(body, 'haproxy_backend_current_server', { backend: 'be' })).toBe(1);
    expect(metricValue(body, 'haproxy_server_up', { server: 's1' })).toBe(1);
    expect(metricValue(body, 'haproxy_server_downtime_seconds_total', { server: 's2' })).toBe(Number(page.get('be/s2')?.get('downtime')));
    expect(body).toMatch(/^haproxy_version_info\{release_date="[^"]+",version="2\.6\.[^"]+"\} 1$/m);
    expect(promtoolCheck(body)).toEqual({ status: 0, findings: '' });
  });

  it('answers 200 with haproxy_up while HAProxy reloads', async () => {
    const bodies: string[] = [];
    const statuses: number[] = [];
    let scraping = true;
    const scraper = (async () => {
      while (scraping) {
        const res = await getText(`http://127.0.0.1:${ports.exporter}/metrics`).catch(() => ({ status: -1, body: '' }));
        statuses.push(res.status);
        bodies.push(res.body);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    try {
      for (let i = 0; i < 3; i++) {
        await masterCommand('reload');
        await new Promise((r) => setTimeout(r, 400));
      }
    } finally {
      scraping = false;
      await scraper;
    }
    // The master re-executed once per reload (its CLI counts them).
    const proc = await masterCommand('show proc');
    expect(proc).toMatch(/^\d+\s+master\s+3 \[failed: 0\]/m);
    expect(statuses.length).toBeGreaterThan(20);
    expect(new Set(statuses)).toEqual(new Set([200]));
    for (const body of bodies) expect(body).toMatch(/^haproxy_up [01]$/m);
    // After the reloads the new worker answers again.
    await waitFor(async () => metricValue(await exporterBody(), 'haproxy_up') === 1, { what: 'haproxy_up 1 after reloads' });
  });

  it('answers haproxy_up 0, not an error, while HAProxy is down', async () => {
    const proc = haproxy as ChildProcess;
    await new Promise<void>((r) => {
      proc.once('exit', () => r());
      proc.kill('SIGTERM');
    });
    haproxy = undefined;
    const res = await getText(`http://127.0.0.1:${ports.exporter}/metrics`);
    expect(res.status).toBe(200);
    expect(metricValue(res.body, 'haproxy_up')).toBe(0);
    expect(res.body).not.toMatch(/^haproxy_(frontend|backend|server)_/m);
    expect(promtoolCheck(res.body)).toEqual({ status: 0, findings: '' });
    // The component's own metrics count the failed scrape and stay promtool-clean too.
    const own = (await getText(`http://127.0.0.1:${ports.own}/metrics`)).body;
    expect(metricValue(own, 'metrics_haproxy_scrapes_total', { result: 'failed' })).toBeGreaterThanOrEqual(1);
    // Only core's prom-client defaults may be flagged (nodejs_active_*_total gauges): reported to core.
    const ownFindings = promtoolCheck(own).findings.split('\n').filter((l) => l !== '' && !l.startsWith('nodejs_'));
    expect(ownFindings).toEqual([]);
  });
});

/** One command on HAProxy's master CLI; retried while the master re-executes (socket briefly refused). */
async function masterCommand(command: string): Promise<string> {
  return waitFor(
    () =>
      new Promise<string>((resolve, reject) => {
        const socket = connect({ path: `${dir}/run/master.sock` });
        let out = '';
        // Half-close after the command: the master CLI answers, then closes.
        socket.on('connect', () => socket.end(`${command}\n`));
        socket.setTimeout(5000, () => socket.destroy(new Error(`master CLI: no answer to ${command}`)));
        socket.on('data', (d) => (out += d.toString()));
        socket.on('error', reject);
        socket.on('close', () => resolve(out || ' '));
      }),
    { what: `master CLI ${command}`, timeoutMs: 10_000, intervalMs: 50 },
  );
}
