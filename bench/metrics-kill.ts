/**
 * Issue 10.2: how many lines metrics counts again after a SIGKILL under continuous load
 * (the documented bound: LOG_METRICS_POSITION_INTERVAL_MS worth of lines).
 * A writer appends httplog lines to LOG_DIR/haproxy.log at a fixed rate; metrics is
 * scraped and SIGKILLed right after, restarted, and once it caught up
 * counted-before-kill + counted-after-restart - written = lines counted twice (minus the
 * few counted between the last scrape and the kill, which no scraper would see either).
 * Then "busy" (3 times): killed 0.3-1 s into reading a 100,000-line backlog, where only the interval saves.
 * Run: npx tsc -b packages/metrics && node --import tsx bench/metrics-kill.ts
 * (writes bench/results/metrics-kill.json). Knobs: BENCH_RATE (lines/s, 2000), BENCH_KILLS (5), BENCH_POSITION_INTERVAL_MS (250).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ComponentProcess, getText } from '../test/helpers/component.js';
import { metricValue } from '../test/helpers/pipeline.js';
import { freePorts, waitFor } from '../test/helpers/ports.js';

const RATE = Number(process.env.BENCH_RATE ?? 2000);
const KILLS = Number(process.env.BENCH_KILLS ?? 5);
const INTERVAL_MS = Number(process.env.BENCH_POSITION_INTERVAL_MS ?? 250);

const dir = await mkdtemp(join(tmpdir(), 'bench-metrics-kill-'));
const logDir = join(dir, 'logs');
await mkdir(logDir);
const [logs, exporter, own] = (await freePorts(3)) as [number, number, number];
const spawnMetrics = () =>
  new ComponentProcess('metrics', {
    SHARED_DIR: join(dir, 'shared'),
    LOG_DIR: logDir,
    LOG_METRICS_ADDR: `127.0.0.1:${logs}`,
    HAPROXY_METRICS_ADDR: `127.0.0.1:${exporter}`,
    METRICS_ADDR: `127.0.0.1:${own}`,
    LOG_METRICS_POSITION_INTERVAL_MS: String(INTERVAL_MS),
    LOG_LEVEL: 'warn',
  }).start();
const counted = async () => metricValue((await getText(`http://127.0.0.1:${logs}/metrics`)).body, 'haproxy_http_requests_total') || 0;

let written = 0;
const fd = openSync(join(logDir, 'haproxy.log'), 'a');
const line = (n: number) =>
  `<134>1 2026-12-01T13:00:00.000000+00:00 - haproxy 1 - - 127.0.0.1:${1024 + (n % 60000)} [01/Dec/2026:13:00:00.000] web app/s1 0/0/0/3/3 200 120 - - ---- 1/1/0/0/0 0/0 "GET /${n} HTTP/1.1"\n`;
const perTick = Math.max(1, Math.round(RATE / 100));
let writer: NodeJS.Timeout | undefined;
const startWriter = () =>
  (writer = setInterval(() => {
    let batch = '';
    for (let i = 0; i < perTick; i++) batch += line(written + i);
    writeSync(fd, batch);
    written += perTick;
  }, 10));

const rows: Array<{ countedTwice: number; bound: number }> = [];
const busy: Array<{ countedTwice: number; countedByKilledRun: number }> = [];
let metrics = spawnMetrics();
/** Lines counted by earlier (killed) processes, normalised after each round so that before + counted() = written. */
let before = 0;
try {
  await waitFor(() => counted().then((n) => n >= 0), { what: 'metrics up' });
  startWriter();
  for (let k = 0; k < KILLS; k++) {
    await new Promise((r) => setTimeout(r, 1500 + Math.random() * 1000));
    const lastScrape = await counted();
    await metrics.stop('SIGKILL');
    before += lastScrape;
    metrics = spawnMetrics();
    // Compare once the writer is paused and the new process caught up.
    clearInterval(writer);
    await waitFor(async () => before + (await counted().catch(() => 0)) >= written, { what: 'caught up', timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 500));
    const after = await counted();
    const twice = before + after - written;
    rows.push({ countedTwice: twice, bound: (RATE * INTERVAL_MS) / 1000 });
    console.log(`kill ${k + 1}: counted twice ${twice} lines (bound ${(RATE * INTERVAL_MS) / 1000})`);
    before = written - after;
    startWriter();
  }
  // Busy: killed while reading a backlog (the tailer never catches up, so only the interval saves).
  clearInterval(writer);
  for (let k = 0; k < Math.min(KILLS, 3); k++) {
    await new Promise((r) => setTimeout(r, 500)); // idle and caught up: its position is saved
    await metrics.stop('SIGKILL');
    before = written;
    const backlog = 100_000;
    for (let i = 0; i < backlog; i += 1000) {
      let batch = '';
      for (let j = 0; j < 1000; j++) batch += line(written + j);
      writeSync(fd, batch);
      written += 1000;
    }
    metrics = spawnMetrics();
    await waitFor(() => counted().then((n) => n > 0), { what: 'metrics reading the backlog', intervalMs: 20 });
    await new Promise((r) => setTimeout(r, 300 + Math.random() * 700));
    const lastScrape = await counted();
    await metrics.stop('SIGKILL');
    before += lastScrape;
    metrics = spawnMetrics();
    await waitFor(async () => before + (await counted().catch(() => 0)) >= written, { what: 'caught up', timeoutMs: 120_000 });
    await new Promise((r) => setTimeout(r, 500));
    const after = await counted();
    const twice = before + after - written;
    busy.push({ countedTwice: twice, countedByKilledRun: lastScrape });
    console.log(`busy kill ${k + 1}: counted twice ${twice} lines (the killed run had counted ${lastScrape} of a ${backlog}-line backlog)`);
    before = written - after;
  }
} finally {
  clearInterval(writer);
  closeSync(fd);
  await metrics.stop();
  await rm(dir, { recursive: true, force: true });
}

const out = resolve(import.meta.dirname, 'results/metrics-kill.json');
await mkdir(resolve(import.meta.dirname, 'results'), { recursive: true });
await writeFile(out, `${JSON.stringify({ at: new Date().toISOString(), rate: RATE, positionIntervalMs: INTERVAL_MS, caughtUp: rows, busy }, null, 2)}\n`);
console.log(`wrote ${out}`);
