/**
 * Issue 10.1 (shipper side): how long HAProxy's log ring must bridge, and how much it holds.
 * Real HAProxy 2.6 (`ring` -> TCP octet-count) and the built log-shipper as a process.
 *  1. Restart gap: SIGTERM to the shipper until its syslog TCP port accepts again (new process),
 *     split into shutdown and start, and until HAProxy's ring is connected again.
 *  2. Ring capacity: shipper stopped, 20,000 requests logged into a 1 MiB ring with lines of about
 *     200 and 600 bytes, shipper started: lines kept (received) vs announced dropped ("N events
 *     dropped", counted as log_shipper_haproxy_dropped_messages_total), and how fast the backlog
 *     drains (drainMs: first to last backlog line in the file, at a 50 ms poll). Coverage at 1,000 lines/s = lines kept / 1,000. HAProxy keeps the oldest lines and
 *     announces the count of the newer ones it dropped just before the next line it can log.
 * Run: npx tsc -b packages/log-shipper && node --import tsx bench/log-ring.ts (writes bench/results/log-ring.json).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startLogShipper } from '../test/helpers/log-shipper.js';
import { waitFor } from '../test/helpers/ports.js';
import { countRequests, HaproxyLogSource, readAllLogLines } from '../test/helpers/syslog.js';
import { percentile } from './percentile.js';

const RING = 1024 * 1024;
const FLOOD = 20_000;
const RESTARTS = 5;

const dir = await mkdtemp(join(tmpdir(), 'bench-log-ring-'));
const started = await startLogShipper(dir, { LOG_ROTATE_MAX_BYTES: String(1024 * 1024 * 1024) });
const { proc: shipper, logDir, ports } = started;
const shipperMetric = async (name: string) => (await started.metric(name)) || 0;
const accepts = () =>
  new Promise<boolean>((r) => {
    const s = connect(ports.tcp, '127.0.0.1', () => (s.destroy(), r(true)));
    s.on('error', () => r(false));
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const haproxy = await HaproxyLogSource.start({ syslogTcpPort: ports.tcp, ringBytes: RING });
const results: Record<string, unknown> = { ringBytes: RING };
try {
  // 1. Restart gap.
  const gaps: Array<{ shutdownMs: number; startMs: number; gapMs: number; ringBackMs: number }> = [];
  for (let i = 0; i < RESTARTS; i++) {
    await waitFor(async () => (await shipperMetric('log_shipper_tcp_connections')) >= 1, { what: 'HAProxy ring connected' });
    const t0 = performance.now();
    await shipper.stop('SIGTERM');
    const t1 = performance.now();
    shipper.start();
    while (!(await accepts())) await sleep(2);
    const t2 = performance.now();
    await waitFor(async () => (await shipperMetric('log_shipper_tcp_connections')) >= 1, { intervalMs: 10, what: 'HAProxy ring reconnected' });
    const t3 = performance.now();
    gaps.push({ shutdownMs: t1 - t0, startMs: t2 - t1, gapMs: t2 - t0, ringBackMs: t3 - t0 });
  }
  const pick = (k: keyof (typeof gaps)[number]) => ({ p50: Math.round(percentile(gaps.map((g) => g[k]), 50)), max: Math.round(Math.max(...gaps.map((g) => g[k]))) });
  results.restart = { shutdownMs: pick('shutdownMs'), startMs: pick('startMs'), gapMs: pick('gapMs'), ringBackMs: pick('ringBackMs') };
  console.log('restart (SIGTERM -> accepting again -> ring reconnected), ms:', results.restart);

  // 2. Capacity of the ring at two line sizes.
  const base = (await readAllLogLines(logDir)).lines;
  const sample = base.find((l) => l.includes('"GET /ready '))!;
  const overhead = sample.length + 1 - '/ready'.length; // bytes of a line besides its path (newline included)
  for (const size of [200, 600]) {
    const pad = 'p'.repeat(Math.max(1, size - overhead - '/s200//12345'.length));
    const prefix = `s${size}${pad}`;
    await shipper.stop('SIGTERM'); // the new process counts drops from 0
    await haproxy.load(prefix, FLOOD, 8);
    const started = performance.now();
    shipper.start();
    // Drained when the count stops growing for 1 s (after the first line: the start takes about as long).
    let received = 0;
    let lastGrowth = performance.now();
    let drainedAt = started;
    let firstAt = started;
    while (received === 0 || performance.now() - lastGrowth < 1000) {
      await sleep(50);
      const n = countRequests((await readAllLogLines(logDir)).lines, prefix).size;
      if (n > received) {
        if (received === 0) firstAt = performance.now();
        received = n;
        lastGrowth = drainedAt = performance.now();
      }
    }
    // HAProxy announces "N events dropped" just before the next message it can log.
    await haproxy.load(`after${size}`, 1, 1);
    await sleep(1000);
    const dropped = await shipperMetric('log_shipper_haproxy_dropped_messages_total');
    const lines = (await readAllLogLines(logDir)).lines.filter((l) => l.includes(`/${prefix}/`));
    const avgBytes = Math.round(lines.reduce((a, l) => a + l.length + 1, 0) / lines.length);
    const row = { lineBytes: avgBytes, sent: FLOOD, kept: received, keptBytes: received * avgBytes, announcedDropped: dropped, keptPlusDropped: received + dropped, coverageSecondsAt1000PerS: received / 1000, firstLineAfterStartMs: Math.round(firstAt - started), drainMs: Math.round(drainedAt - firstAt) };
    results[`lines${size}`] = row;
    console.log(`~${size} B lines:`, row);
  }
} finally {
  await haproxy.stop();
  await shipper.stop();
  await rm(dir, { recursive: true, force: true });
}
const out = resolve(import.meta.dirname, 'results/log-ring.json');
await mkdir(resolve(import.meta.dirname, 'results'), { recursive: true });
await writeFile(out, `${JSON.stringify({ at: new Date().toISOString(), ...results }, null, 2)}\n`);
console.log(`wrote ${out}`);
