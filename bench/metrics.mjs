#!/usr/bin/env node
/**
 * The metrics component's measurements (issue: "memory at 10k label sets, scrape
 * latency at 10k series; memory under 150 MB RSS; answer within 50 ms with 10,000
 * series without blocking the event loop"):
 *   - RSS of a process holding 10,000 label sets in every :3803 family
 *   - :3803 scrape latency (HTTP, p50/p99) and the longest event-loop stall during it,
 *     at 10,000 series (counters) and at 10,000 label sets (every family, histograms included)
 *   - :9101 scrape latency at ~10,000 series, through a real Unix socket answering `show stat`
 *   - lines/s through tailer + parser (a file on disk) and through the parser alone
 * Each scenario runs in its own child process so RSS numbers do not mix.
 * Run after `npx tsc -b packages/metrics`: node bench/metrics.mjs (writes bench/results/metrics.json).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const here = import.meta.dirname;
// The component has no library entry (it runs as dist/main.js): the modules under test, from its build.
const dist = join(here, '../packages/metrics/dist');
const MODULES = ['logs/log-metrics.js', 'outputs/text-endpoint.js', 'exporter/exporter.js', 'exporter/render.js', 'exporter/stat-csv.js', 'sources/tailer.js'];
const metrics = async () => Object.assign({}, ...(await Promise.all(MODULES.map((m) => import(join(dist, m))))));
// 200 scrapes: with 40, "p99" is simply the slowest scrape (often the first, cold one).
const SCRAPES = Number(process.env.BENCH_SCRAPES ?? 200);

const line = (i, backend, status = 200) =>
  `<134>Nov 23 22:14:17 haproxy[6981]: 10.0.${(i >> 8) & 255}.${i & 255}:${1024 + (i % 60000)} [23/Nov/2026:22:14:17.090] web ${backend}/s${i % 4} 0/0/1/${i % 97}/${(i % 97) + 2} ${status} ${100 + (i % 900)} - - ---- 12/12/3/1/0 0/0 "GET /api/v1/items/${i} HTTP/1.1"`;

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const rssMb = () => Math.round((process.memoryUsage().rss / 1048576) * 10) / 10;

// The scraper is a separate process: reading and counting a large body must show up
// neither as an event-loop stall nor as RSS of the server under test.
const SCRAPER = `
(async () => {
  const url = process.env.SCRAPE_URL;
  await (await fetch(url)).text(); // warm-up, not measured
  const times = [];
  let bytes = 0;
  let series = 0;
  for (let i = 0; i < Number(process.env.SCRAPES); i++) {
    const t0 = performance.now();
    const body = await (await fetch(url)).text();
    times.push(performance.now() - t0);
    bytes = body.length;
    series = 0;
    for (const l of body.split('\\n')) if (l && l[0] !== '#') series++;
  }
  process.stdout.write(JSON.stringify({ times, bytes, series }));
})();
`;

/**
 * Scrapes `url` SCRAPES times from another process: latency percentiles, body size,
 * and the server's worst event-loop stall meanwhile (wall clock: on a busy machine it
 * includes time the process was not scheduled at all).
 */
async function scrapeStats(url) {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const child = spawn(process.execPath, ['-e', SCRAPER], { env: { ...process.env, SCRAPE_URL: url, SCRAPES: String(SCRAPES) } });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  await new Promise((resolve) => child.once('exit', resolve));
  loop.disable();
  const { times, bytes, series } = JSON.parse(out);
  return {
    series,
    bodyKiB: Math.round(bytes / 1024),
    p50Ms: +percentile(times, 50).toFixed(2),
    p99Ms: +percentile(times, 99).toFixed(2),
    maxLoopStallMs: +(loop.max / 1e6).toFixed(2),
  };
}

/**
 * Cost of rendering in-process, no HTTP (median of `runs`): total time, and the
 * longest synchronous slice between two yields (what a concurrent request can wait).
 */
async function renderCost(stream, runs = 9) {
  const totals = [];
  const slices = [];
  for (let r = 0; r < runs; r++) {
    let longest = 0;
    let last = performance.now();
    const t0 = last;
    await stream(async () => {
      longest = Math.max(longest, performance.now() - last);
      await new Promise((resolve) => setImmediate(resolve));
      last = performance.now();
    });
    slices.push(Math.max(longest, performance.now() - last));
    totals.push(performance.now() - t0);
  }
  return { renderMs: +percentile(totals, 50).toFixed(2), longestSliceMs: +percentile(slices, 50).toFixed(2) };
}

const scenarios = {
  /** 10,000 label sets in haproxy_http_requests_total only: 10,000 series on :3803. */
  async 'log-10k-series'() {
    const { LogMetrics, startTextEndpoint } = await metrics();
    const m = new LogMetrics({ maxSeries: 20_000, ttlMs: 3_600_000 });
    const now = Date.now();
    for (let i = 0; i < 10_000; i++) m.requests.inc([`fe${i % 10}`, `be${i}`, '2xx'], 1, now);
    await renderCost((w) => m.stream(w)); // warm-up
    const cost = await renderCost((w) => m.stream(w));
    const ep = await startTextEndpoint({ address: { host: '127.0.0.1', port: 0 }, render: (write) => m.stream(write) });
    const scrape = await scrapeStats(`http://127.0.0.1:${ep.port}/metrics`);
    globalThis.gc?.();
    const out = { ...cost, ...scrape, rssMb: rssMb() };
    await ep.close();
    return out;
  },
  /** 10,000 backends seen in every family (counters and three histograms): the worst case per label set. */
  async 'log-10k-label-sets'() {
    const { LogMetrics, startTextEndpoint } = await metrics();
    globalThis.gc?.();
    const before = rssMb();
    const m = new LogMetrics({ maxSeries: 20_000, ttlMs: 3_600_000 });
    for (let i = 0; i < 50_000; i++) m.processLine(line(i, `backend-${i % 10_000}`, [200, 404, 503][i % 3]));
    globalThis.gc?.();
    const held = rssMb();
    const cost = await renderCost((w) => m.stream(w));
    const ep = await startTextEndpoint({ address: { host: '127.0.0.1', port: 0 }, render: (write) => m.stream(write) });
    const scrape = await scrapeStats(`http://127.0.0.1:${ep.port}/metrics`);
    await ep.close();
    globalThis.gc?.();
    return { labelSets: m.totalSeconds.size, ...cost, ...scrape, rssBeforeMb: before, rssMb: held, rssAfterScrapesMb: rssMb() };
  },
  /** :9101 with a `show stat` of N servers from a Unix socket, as HAProxy would answer. */
  async 'exporter-10k-series'() {
    const { HaproxyExporter, startTextEndpoint } = await metrics();
    const servers = Number(process.env.BENCH_EXPORTER_SERVERS ?? 300);
    const dir = mkdtempSync(join(tmpdir(), 'bench-metrics-'));
    const header =
      '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,ctime,rtime,ttime,';
    const row = (px, sv, type) =>
      `${px},${sv},0,3,1,9,100,12345,456789,9876543,0,0,,1,0,0,0,UP,1,1,0,2,0,10,0,,1,3,1,,12345,,${type},5,,9,L7OK,200,2,0,12000,300,40,5,0,,,,0,1,0,0,0,0,0,1,,,0,1,20,25,`;
    let stat = `${header}\n`;
    const perBackend = 10;
    for (let b = 0; b < servers / perBackend; b++) {
      for (let s = 0; s < perBackend; s++) stat += `${row(`be${b}`, `s${s}`, 2)}\n`;
      stat += `${row(`be${b}`, 'BACKEND', 1)}\n`;
    }
    stat += `${row('web', 'FRONTEND', 0)}\n\n`;
    const socketPath = join(dir, 'admin.sock');
    const haproxy = createServer((c) =>
      c.once('data', (d) => c.end(d.toString().startsWith('show info') ? 'Version: 2.6.12\nRelease_date: 2023/03/28\nIdle_pct: 99\n' : stat)),
    );
    await new Promise((r) => haproxy.listen(socketPath, r));
    const exporter = new HaproxyExporter({ socketPath, timeoutMs: 2000 });
    await exporter.collect(); // warm-up
    // CPU of parse + render in-process (the scrape itself yields every 200 rows).
    const { parseStatCsv, parseInfo, renderExporter } = await metrics();
    const renders = [];
    for (let i = 0; i < 15; i++) {
      const t0 = performance.now();
      renderExporter({ stat: parseStatCsv(stat), info: parseInfo('Version: 2.6\n') }, { scrapes: 1, csvParseFailures: 0 });
      renders.push(performance.now() - t0);
    }
    const cost = { renderMs: +percentile(renders, 50).toFixed(2) };
    const ep = await startTextEndpoint({ address: { host: '127.0.0.1', port: 0 }, render: async (write) => write(await exporter.collect()) });
    const scrape = await scrapeStats(`http://127.0.0.1:${ep.port}/metrics`);
    await ep.close();
    haproxy.close();
    rmSync(dir, { recursive: true, force: true });
    globalThis.gc?.();
    return { servers, statKiB: Math.round(stat.length / 1024), ...cost, ...scrape, rssMb: rssMb() };
  },
  /** A file of N lines read by the tailer and counted by the parser, as in production. */
  async 'tail-throughput'() {
    const { FileTailer, LogMetrics } = await metrics();
    const lines = Number(process.env.BENCH_LINES ?? 500_000);
    const dir = mkdtempSync(join(tmpdir(), 'bench-tail-'));
    const path = join(dir, 'haproxy.log');
    const parts = [];
    for (let i = 0; i < lines; i++) parts.push(line(i, `be${i % 50}`, i % 20 === 0 ? 503 : 200));
    writeFileSync(path, `${parts.join('\n')}\n`);
    parts.length = 0;
    const m = new LogMetrics({ maxSeries: 10_000, ttlMs: 3_600_000 });
    let counted = 0;
    const controller = new AbortController();
    const t0 = performance.now();
    const tailer = new FileTailer({
      path,
      start: null,
      pollMs: 5,
      onLines: (batch) => {
        const now = Date.now();
        for (const l of batch) if (m.processLine(l, now) === 'http') counted++;
        if (counted >= lines) controller.abort();
      },
    });
    await tailer.run(controller.signal);
    const tailSeconds = (performance.now() - t0) / 1000;
    // Parser alone, same lines, for comparison.
    const m2 = new LogMetrics({ maxSeries: 10_000, ttlMs: 3_600_000 });
    const sample = Array.from({ length: 100_000 }, (_, i) => line(i, `be${i % 50}`));
    const t1 = performance.now();
    for (const l of sample) m2.processLine(l);
    const parseSeconds = (performance.now() - t1) / 1000;
    rmSync(dir, { recursive: true, force: true });
    return {
      lines: counted,
      tailAndParseLinesPerSec: Math.round(counted / tailSeconds),
      parseOnlyLinesPerSec: Math.round(sample.length / parseSeconds),
    };
  },
};

if (process.argv[2] === '--child') {
  const result = await scenarios[process.argv[3]]();
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

const results = {};
const only = process.env.BENCH_ONLY?.split(',');
for (const name of Object.keys(scenarios).filter((n) => !only || only.includes(n))) {
  const child = spawnSync(process.execPath, ['--expose-gc', import.meta.filename, '--child', name], { encoding: 'utf8', timeout: 300_000 });
  if (child.status !== 0) {
    console.error(`${name} failed:\n${child.stderr}`);
    process.exit(1);
  }
  results[name] = JSON.parse(child.stdout.trim().split('\n').pop());
}

console.log('\nmetrics benchmark (one child process per scenario)');
console.table(results);
const budget = only
  ? {}
  : {
      rssUnder150MbAt10kSeries: results['log-10k-series'].rssMb < 150,
      rssUnder150MbAt10kLabelSetsInEveryFamily: results['log-10k-label-sets'].rssAfterScrapesMb < 150,
      logScrapeP50Under50MsAt10kSeries: results['log-10k-series'].p50Ms < 50,
      logScrapeP99Under50MsAt10kSeries: results['log-10k-series'].p99Ms < 50,
      exporterScrapeP50Under50MsAt10kSeries: results['exporter-10k-series'].p50Ms < 50,
      exporterScrapeP99Under50MsAt10kSeries: results['exporter-10k-series'].p99Ms < 50,
    };
console.table(budget);
const [load1] = loadavg();
console.log(`load average during the run: ${load1.toFixed(2)} on ${cpus().length} CPUs (latency percentiles are wall clock)`);
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(
  join(here, 'results/metrics.json'),
  `${JSON.stringify({ at: new Date().toISOString(), node: process.version, cpus: cpus().length, loadavg: loadavg(), scrapes: SCRAPES, results, budget }, null, 2)}\n`,
);
