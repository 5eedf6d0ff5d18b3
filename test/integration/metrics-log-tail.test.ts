import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { closeSync, existsSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ComponentProcess, getText } from '../helpers/component.js';
import { metricValue } from '../helpers/pipeline.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { promtoolCheck } from '../helpers/promtool.js';
import { checkedState } from '../helpers/state.js';

// :3803 from LOG_DIR/haproxy.log: real HAProxy traffic through a small UDP syslog
// receiver (standing in for the log-shipper), then rotation under continuous load
// across a restart of the metrics process.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One metrics process with its own ports; restartable on the same SHARED_DIR. */
class Metrics {
  proc: ComponentProcess;
  constructor(
    readonly dir: string,
    readonly logDir: string,
    readonly ports: { logs: number; exporter: number; own: number },
  ) {
    this.proc = this.spawn();
  }
  static async create(dir: string, logDir: string): Promise<Metrics> {
    return new Metrics(dir, logDir, { logs: await freePort(), exporter: await freePort(), own: await freePort() });
  }
  private spawn(): ComponentProcess {
    return new ComponentProcess('metrics', {
      SHARED_DIR: this.dir,
      LOG_DIR: this.logDir,
      LOG_METRICS_ADDR: `127.0.0.1:${this.ports.logs}`,
      HAPROXY_METRICS_ADDR: `127.0.0.1:${this.ports.exporter}`,
      METRICS_ADDR: `127.0.0.1:${this.ports.own}`,
      LOG_METRICS_POLL_MS: '50',
      LOG_LEVEL: 'info',
    }).start();
  }
  restart(): void {
    this.proc = this.spawn();
  }
  async logMetrics(): Promise<string> {
    return (await getText(`http://127.0.0.1:${this.ports.logs}/metrics`)).body;
  }
  async requests(labels: Record<string, string> = {}): Promise<number> {
    const value = metricValue(await this.logMetrics(), 'haproxy_http_requests_total', labels);
    return Number.isNaN(value) ? 0 : value;
  }
  async own(name: string, labels: Record<string, string> = {}): Promise<number> {
    return metricValue((await getText(`http://127.0.0.1:${this.ports.own}/metrics`)).body, name, labels);
  }
  async state(): Promise<{ counters: Record<string, number> }> {
    return checkedState(await readFile(join(this.dir, 'state/metrics.json'), 'utf8')) as { counters: Record<string, number> };
  }
}

let dir: string;
let metrics: Metrics | undefined;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'metrics-logs-'));
  await mkdir(join(dir, 'logs'));
});
afterEach(async () => {
  await metrics?.proc.stop();
  metrics = undefined;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('metrics :3803 with real HAProxy traffic', () => {
  let haproxy: ChildProcess;
  let backend: Server;
  let syslog: Socket;
  let fePort: number;

  beforeAll(async () => {
    const logFile = openSync(join(dir, 'logs/haproxy.log'), 'a');
    // The log-shipper's contract, minimally: one received syslog message per line.
    syslog = createSocket('udp4', (msg) => writeSync(logFile, `${msg.toString('utf8').replace(/\n+$/, '')}\n`));
    await new Promise<void>((r) => syslog.bind(0, '127.0.0.1', r));
    backend = createServer((req, res) => {
      res.writeHead(req.url === '/missing' ? 404 : 200).end('body\n');
    });
    const bePort = await freePort();
    await new Promise<void>((r) => backend.listen(bePort, '127.0.0.1', r));
    fePort = await freePort();
    await writeFile(
      join(dir, 'haproxy.cfg'),
      `global
  log 127.0.0.1:${syslog.address().port} local0
defaults
  mode http
  log global
  option httplog
  timeout connect 1s
  timeout client 5s
  timeout server 5s
frontend web
  bind 127.0.0.1:${fePort}
  use_backend nowhere if { path /down }
  default_backend app
backend app
  server s1 127.0.0.1:${bePort}
backend nowhere
`,
    );
    haproxy = spawn('haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: 'ignore' });
    await waitFor(() => fetch(`http://127.0.0.1:${fePort}/`).then((r) => r.ok), { what: 'haproxy frontend' });
  });
  afterAll(async () => {
    haproxy?.kill('SIGKILL');
    syslog?.close();
    await new Promise<void>((r) => backend?.close(() => r()));
  });

  it('counts exactly the requests sent, by frontend, backend and status class', async () => {
    metrics = await Metrics.create(dir, join(dir, 'logs'));
    // Whatever the readiness probes above logged is counted first; measure from there.
    await waitFor(async () => (await metrics!.requests()) >= 1, { what: 'the probe requests counted' });
    await sleep(300);
    const base = await metrics.requests();
    const sent = { ok: 0, missing: 0, down: 0 };
    for (let i = 0; i < 240; i++) {
      const path = i % 6 === 0 ? '/missing' : i % 8 === 0 ? '/down' : '/';
      await (await fetch(`http://127.0.0.1:${fePort}${path}`)).text();
      if (path === '/missing') sent.missing++;
      else if (path === '/down') sent.down++;
      else sent.ok++;
    }
    const total = sent.ok + sent.missing + sent.down;
    await waitFor(async () => (await metrics!.requests()) - base >= total, { what: `${total} requests on :3803` });
    await sleep(300); // nothing more arrives: no line counted twice
    const body = await metrics.logMetrics();
    expect(metricValue(body, 'haproxy_http_requests_total') - base).toBe(total);
    expect(metricValue(body, 'haproxy_http_requests_total', { backend: 'app', code_class: '4xx' })).toBe(sent.missing);
    expect(metricValue(body, 'haproxy_http_requests_total', { backend: 'nowhere', code_class: '5xx' })).toBe(sent.down);
    expect(metricValue(body, 'haproxy_termination_states_total', { backend: 'nowhere', state: 'SC' })).toBe(sent.down);
    expect(metricValue(body, 'haproxy_http_total_duration_seconds_count', { backend: 'app' })).toBeGreaterThanOrEqual(sent.ok + sent.missing);
    expect(metricValue(body, 'haproxy_response_bytes_total', { frontend: 'web', backend: 'app' })).toBeGreaterThan(0);
    expect(promtoolCheck(body)).toEqual({ status: 0, findings: '' });
  });
});

describe('metrics :3803 under rotation and restart', () => {
  it('counts every line exactly once across rotations, including one while metrics is stopped', async () => {
    const logDir = join(dir, 'rotating');
    await mkdir(logDir);
    const log = join(logDir, 'haproxy.log');
    const statuses = [200, 200, 200, 404, 503];
    let written = 0;
    let fd = openSync(log, 'a');
    const line = (n: number) =>
      `<134>Nov 23 22:14:17 haproxy[6981]: 127.0.0.1:${1024 + (n % 60000)} [23/Nov/2026:22:14:17.090] web app/s1 0/0/0/3/3 ${statuses[n % statuses.length]} 120 - - ---- 1/1/0/0/0 0/0 "GET /${n} HTTP/1.1"\n`;
    const writeBatch = () => {
      let batch = '';
      for (let i = 0; i < 20; i++) batch += line(written + i);
      writeSync(fd, batch);
      written += 20;
    };
    /** The log-shipper's rotation: older `.1` gzipped away, live file renamed, a few late writes, new file. */
    const rotate = () => {
      if (existsSync(`${log}.1`)) rmSync(`${log}.1`);
      renameSync(log, `${log}.1`);
      writeBatch(); // still through the old descriptor: these lines belong to `.1`
      closeSync(fd);
      fd = openSync(log, 'a');
    };
    const m = await Metrics.create(join(dir, 'shared'), logDir);
    metrics = m;
    const opened = (resumed: boolean) => (l: Record<string, unknown>) => l.type === 'opened' && l.resumed === resumed;
    // Start the load once the tailer holds the file: lines rotated away before it
    // ever opened one are, by design, not its to count.
    await m.proc.waitForLog(opened(false));
    const load = setInterval(writeBatch, 4);
    try {
      await sleep(300);
      rotate();
      await sleep(300);
      rotate();
      await sleep(200);
      expect(await m.proc.stop()).toBe(0);
      const first = (await m.state()).counters;
      rotate(); // while stopped: the restart must finish the renamed file first
      await sleep(200);
      m.restart();
      await m.proc.waitForLog(opened(true)); // resumed inside haproxy.log.1 at the saved offset
      await sleep(300);
      rotate();
      await sleep(300);
      rotate();
      await sleep(200);
      clearInterval(load);
      closeSync(fd);
      const total = written;
      await waitFor(async () => (first.http ?? 0) + (await m.requests().catch(() => 0)) >= total, { what: `${total} lines counted`, timeoutMs: 20_000 });
      await sleep(300);
      const body = await m.logMetrics();
      const second = metricValue(body, 'haproxy_http_requests_total');
      expect((first.http ?? 0) + second).toBe(total);
      expect(first.unparsed).toBe(0);
      expect(await m.own('metrics_log_lines_total', { result: 'unparsed' })).toBe(0);
      expect(first.rotations).toBeGreaterThanOrEqual(2);
      expect(await m.own('metrics_log_tail_events_total', { event: 'rotated' })).toBeGreaterThanOrEqual(2);
      expect(await m.own('metrics_log_tail_events_total', { event: 'position_lost' })).toBeNaN();
      expect(total).toBeGreaterThan(2000);
    } finally {
      clearInterval(load);
    }
  });
});
