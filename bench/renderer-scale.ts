/**
 * Issue 4's renderer measurements ("fast, gentle watching") on real components: a real
 * `consul agent -dev` holding 1,000 services x 20 instances, and the built renderer as a
 * process whose one template uses all of them.
 *   - time to first render; full re-render time (the renderer's histogram); peak RSS (VmHWM)
 *   - idle cost: Consul requests per minute with nothing changing, counted by the renderer
 *     and by Consul itself, against the goal "under 1 per service per blocking wait"
 *   - convergence: a health flip in Consul -> a new rendered version without that server
 * Run: npx tsc -b packages/renderer && node --import tsx bench/renderer-scale.ts
 * (writes bench/results/renderer-scale.json). Knobs: BENCH_SERVICES, BENCH_INSTANCES,
 * BENCH_IDLE_S, BENCH_FLIPS, BENCH_WAIT_S, BENCH_CACHED, BENCH_STALE, BENCH_NODE_OPTIONS (the renderer's).
 */
import { chmod, mkdir, mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { publishVersion } from '../packages/core/src/index.js';
import { ComponentProcess, getText } from '../test/helpers/component.js';
import { ConsulDev, consulBin } from '../test/helpers/consul.js';
import { metricValue } from '../test/helpers/pipeline.js';
import { freePort, waitFor } from '../test/helpers/ports.js';
import { pool } from '../test/helpers/pool.js';
import { percentile } from './percentile.js';

const SERVICES = Number(process.env.BENCH_SERVICES ?? 1000);
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 20);
/** A whole number of waits, so the count is not rounded by where the window falls. */
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 90);
const FLIPS = Number(process.env.BENCH_FLIPS ?? 50);
/** Short on purpose, so the idle window spans several wait periods (the default is 300). */
const WAIT_S = Number(process.env.BENCH_WAIT_S ?? 30);
const CACHED = process.env.BENCH_CACHED ?? 'false';
const STALE = process.env.BENCH_STALE ?? 'false';
const ROOT = resolve(import.meta.dirname, '..');

const TEMPLATE = [
  '{{#each (services)}}',
  'backend {{haproxyId name}}',
  '  balance roundrobin',
  '{{#each (service name)}}  server {{haproxyId id}} {{address}}:{{port}} check',
  '{{/each}}{{/each}}',
  '',
].join('\n');

const svc = (s: number) => `svc${String(s).padStart(4, '0')}`;
const instanceId = (s: number, i: number) => `${svc(s)}-${i}`;



/**
 * Instances go in through the catalog API on 20 synthetic nodes (one instance of each
 * service per node): 20,000 agent registrations would make the single dev agent
 * anti-entropy-sync its own node for minutes. The check is a catalog check whose
 * status we set directly, as deterministic as a TTL check.
 */
async function register(consul: ConsulDev, s: number, i: number, status: 'passing' | 'critical'): Promise<void> {
  await consul.api('PUT', '/v1/catalog/register', {
    Node: `node-${i}`,
    Address: `10.${i}.0.1`,
    SkipNodeUpdate: true,
    Service: { ID: instanceId(s, i), Service: svc(s), Address: `10.${i}.${s >> 8}.${s & 255}`, Port: 8080 },
    Check: { CheckID: `check-${instanceId(s, i)}`, Name: 'ttl', ServiceID: instanceId(s, i), Status: status },
  });
}

/** Consul's own count of HTTP GETs it served (its Prometheus summaries `consul_http_GET_*_count`). */
async function consulGets(consul: ConsulDev): Promise<number> {
  const text = await (await fetch(`${consul.url}/v1/agent/metrics?format=prometheus`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^consul_http_GET_(\S+?)_count(?:\{[^}]*\})? (\S+)$/.exec(line);
    if (m && !m[1]?.startsWith('v1_agent_metrics')) sum += Number(m[2]);
  }
  return sum;
}

async function vmHwmBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) * 1024;
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'bench-renderer-'));
  const shared = join(root, 'shared');
  // The dev agent with two settings a production agent would also need at this scale:
  // the per-client connection limit above the number of watches (one long-poll each),
  // and Prometheus retention so its own request counters can be read.
  const wrapper = join(root, 'consul');
  await writeFile(
    wrapper,
    `#!/bin/sh\nexec ${consulBin(ROOT)} "$@" -hcl 'limits { http_max_conns_per_client = 4096 }' -hcl 'telemetry { prometheus_retention_time = "15m" }'\n`,
  );
  await chmod(wrapper, 0o755);
  const consul = await ConsulDev.start({ bin: wrapper });
  let proc: ComponentProcess | undefined;
  try {
    let t = performance.now();
    const all = Array.from({ length: SERVICES * INSTANCES }, (_, k) => [Math.floor(k / INSTANCES), k % INSTANCES] as const);
    await pool(all, 64, ([s, i]) => register(consul, s, i, 'passing'));
    const registerS = (performance.now() - t) / 1000;
    console.log(`registered ${all.length} instances in ${registerS.toFixed(1)} s`);
    await publishVersion({ root: join(shared, 'templates') }, [{ path: '50-all.cfg.hbs', data: Buffer.from(TEMPLATE) }]);

    const port = await freePort();
    const metricsUrl = `http://127.0.0.1:${port}`;
    const metrics = async () => (await getText(`${metricsUrl}/metrics`)).body;
    const file = join(shared, 'rendered/current/50-all.cfg');
    const expectedLines = SERVICES * INSTANCES;
    t = performance.now();
    proc = new ComponentProcess('renderer', {
      SHARED_DIR: shared,
      CONSUL_HTTP_ADDR: consul.addr,
      METRICS_ADDR: `127.0.0.1:${port}`,
      LOG_LEVEL: 'info',
      NODE_NAME: 'bench',
      NODE_IP: '10.0.0.1',
      RENDER_BLOCKING_WAIT_S: String(WAIT_S),
      RENDER_CONSUL_CACHED: CACHED,
      RENDER_CONSUL_STALE: STALE,
      ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
    }).start();
    const pid = proc.pid as number;
    await waitFor(
      async () => {
        const text = await readFile(file, 'utf8').catch(() => '');
        return (text.match(/ server svc/g)?.length ?? 0) >= expectedLines;
      },
      { timeoutMs: 180_000, intervalMs: 50, what: 'first complete render' },
    );
    const firstRenderS = (performance.now() - t) / 1000;
    const firstBody = await metrics();
    const firstRender = {
      seconds: firstRenderS,
      passes: metricValue(firstBody, 'renderer_renders_total'),
      requests: metricValue(firstBody, 'renderer_consul_requests_total'),
      bytes: (await readFile(file)).length,
    };
    const memory = async (at: string) => {
      const body = await metrics();
      const mb = (name: string) => Math.round(metricValue(body, name) / 2 ** 20);
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const kb = (field: string) => Math.round(Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1]) / 1024);
      const m = { at, rssMb: kb('VmRSS'), hwmMb: kb('VmHWM'), heapUsedMb: mb('nodejs_heap_size_used_bytes'), heapTotalMb: mb('nodejs_heap_size_total_bytes'), externalMb: mb('nodejs_external_memory_bytes') };
      console.log(`memory ${at}: ${JSON.stringify(m)}`);
      return m;
    };
    const memoryTimeline = [await memory('first render')];
    console.log(`first render after ${firstRenderS.toFixed(2)} s (${firstRender.passes} passes, ${firstRender.requests} Consul requests)`);

    // Let the last passes and the first blocking re-arms finish, then count requests while nothing changes.
    await new Promise((r) => setTimeout(r, 3000));
    const idleBefore = { body: await metrics(), consul: await consulGets(consul), at: performance.now() };
    console.log(`idle for ${IDLE_S} s ...`);
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
    const idleAfter = { body: await metrics(), consul: await consulGets(consul), at: performance.now() };
    memoryTimeline.push(await memory('after idle'));
    const idleMin = (idleAfter.at - idleBefore.at) / 60_000;
    const delta = (name: string, labels: Record<string, string> = {}) => metricValue(idleAfter.body, name, labels) - metricValue(idleBefore.body, name, labels);
    const watches = metricValue(idleAfter.body, 'renderer_watches');
    const idle = {
      seconds: idleMin * 60,
      watches,
      openBlocking: metricValue(idleAfter.body, 'renderer_consul_requests_in_flight', { mode: 'blocking' }),
      rendererRequestsPerMin: delta('renderer_consul_requests_total') / idleMin,
      rendererImmediatePerMin: delta('renderer_consul_requests_total', { mode: 'immediate' }) / idleMin,
      consulGetsPerMin: (idleAfter.consul - idleBefore.consul) / idleMin,
      rendersDuringIdle: delta('renderer_renders_total'),
      /** Requests per watch per configured wait: the goal is under 1. */
      perWatchPerWait: delta('renderer_consul_requests_total') / watches / ((idleMin * 60) / WAIT_S),
    };
    console.log(`idle: ${idle.rendererRequestsPerMin.toFixed(0)} req/min for ${watches} watches (${idle.perWatchPerWait.toFixed(3)} per watch per ${WAIT_S} s wait)`);

    // Convergence: flip one instance of 50 different services out, then back in.
    const renderBefore = await metrics();
    const flipOut: number[] = [];
    const flipBack: number[] = [];
    const services = Array.from({ length: FLIPS }, (_, k) => (k * 37 + 11) % SERVICES);
    for (const [phase, status, out] of [['out', 'critical', flipOut], ['back', 'passing', flipBack]] as const) {
      for (const s of services) {
        const link = await readlink(join(shared, 'rendered/current'));
        const started = performance.now();
        await register(consul, s, 0, status);
        await waitFor(async () => (await readlink(join(shared, 'rendered/current'))) !== link, { timeoutMs: 30_000, intervalMs: 2, what: `flip ${phase} ${svc(s)}` });
        out.push(performance.now() - started);
        const text = await readFile(file, 'utf8');
        if (text.includes(`server ${instanceId(s, 0)} `) !== (status === 'passing')) throw new Error(`${instanceId(s, 0)} not ${status} in the new version`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const renderAfter = await metrics();
    const hist = (body: string, suffix: string) => metricValue(body, `renderer_render_duration_seconds_${suffix}`);
    const reRenders = hist(renderAfter, 'count') - hist(renderBefore, 'count');
    const reRenderMeanMs = ((hist(renderAfter, 'sum') - hist(renderBefore, 'sum')) / reRenders) * 1000;
    const all50 = [...flipOut, ...flipBack];
    const convergence = {
      flips: all50.length,
      p50Ms: percentile(all50, 50),
      p99Ms: percentile(all50, 99),
      maxMs: Math.max(...all50),
      outP50Ms: percentile(flipOut, 50),
      backP50Ms: percentile(flipBack, 50),
    };
    memoryTimeline.push(await memory('after flips'));
    const peakRssBytes = await vmHwmBytes(pid);
    const results = {
      at: new Date().toISOString(),
      setup: { nodeOptions: process.env.BENCH_NODE_OPTIONS ?? '', services: SERVICES, instancesPerService: INSTANCES, blockingWaitS: WAIT_S, cached: CACHED === 'true', stale: STALE === 'true', registerSeconds: registerS },
      firstRender,
      reRender: { count: reRenders, meanMs: reRenderMeanMs, goalMs: 500 },
      peakRss: { bytes: peakRssBytes, mb: peakRssBytes / 2 ** 20, goalMb: 150, timeline: memoryTimeline },
      idle: { ...idle, goal: `under 1 request per service per ${WAIT_S} s wait` },
      convergence,
    };
    console.table({
      'first render (s)': firstRender.seconds.toFixed(2),
      're-render mean (ms, histogram)': `${reRenderMeanMs.toFixed(0)} over ${reRenders} passes (goal < 500)`,
      'peak RSS (MB, VmHWM)': `${results.peakRss.mb.toFixed(0)} (goal < 150)`,
      'idle renderer requests/min': `${idle.rendererRequestsPerMin.toFixed(0)} (${idle.perWatchPerWait.toFixed(3)} per watch per wait; goal < 1)`,
      'idle Consul GETs/min (Consul metrics)': idle.consulGetsPerMin.toFixed(0),
      'idle immediate requests/min': idle.rendererImmediatePerMin.toFixed(1),
      'open blocking queries': idle.openBlocking,
      'flip -> new version p50/p99/max (ms)': `${convergence.p50Ms.toFixed(0)} / ${convergence.p99Ms.toFixed(0)} / ${convergence.maxMs.toFixed(0)}`,
    });
    await mkdir(join(ROOT, 'bench/results'), { recursive: true });
    await writeFile(join(ROOT, 'bench/results/renderer-scale.json'), `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    await proc?.stop();
    await consul.destroy();
    await rm(root, { recursive: true, force: true });
  }
}

await main();
