/**
 * Issue 10 point 6: what a user gains and pays with ours compared with what they would pick
 * instead, the same measures side by side on one Consul agent, the same backends and traffic:
 *   - static: every server written in the config file (the throughput baseline)
 *   - ours:   the built renderer + haproxy-supervisor (templates published straight to
 *             templates/, no S3), default tuning
 *   - dns:    HAProxy's own Consul DNS integration (`resolvers` + `server-template`, 100 ms timer)
 *   - loop:   a consul-template-style loop (bench/peers-loop.mjs): full render per change,
 *             write, `haproxy -c`, master-worker reload
 * Interleaved: each round runs static, ours, dns, loop in turn (each started fresh, alone on the
 * agent), so machine noise hits all alike. Per turn: start to first route, idle CPU (HAProxy,
 * control plane, the Consul agent), throughput (wrk, 50 keep-alive connections, each load paired
 * with one on a static HAProxy that runs the whole time) with HAProxy worker CPU per request
 * before and after the flips, health flips (TTL fail/pass of one of the
 * two instances of `probe`) under keep-alive + fresh-connection traffic with CPU per flip, RSS.
 * Consul holds `probe` (2 real loopback instances) + (SERVICES-1) x INSTANCES catalog entries.
 * Run: pnpm build && node --import tsx bench/peers.ts   (or node bench/run.mjs peers)
 * Writes bench/results/peers.json. Knobs: BENCH_PEERS_QUICK=1 (50 services, 20 flips, 1 round,
 * 2 s loads, 1 pair), BENCH_PEERS_SERVICES (200), BENCH_PEERS_INSTANCES (5), BENCH_PEERS_FLIPS (120
 * per contender, over all rounds), BENCH_PEERS_ROUNDS (2), BENCH_PEERS_LOAD_S (5), BENCH_PEERS_PAIRS (2),
 * BENCH_PEERS_CONNECTIONS (50), BENCH_PEERS_RESOLVE_MS (100), BENCH_PEERS_ONLY (static,ours,dns,loop),
 * BENCH_PEERS_OUT (peers.json: the file under bench/results).
 * Needs `wrk` (apt-get install -y wrk; installed here when missing and running as root).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Backend } from '../test/helpers/backends.js';
import type { ConsulDev } from '../test/helpers/consul.js';
import { requestVia } from '../test/helpers/pipeline.js';
import { freePort, waitFor } from '../test/helpers/ports.js';
import { pool } from '../test/helpers/pool.js';
import { Traffic } from '../test/helpers/traffic.js';
import { startConsulWithDns, starters, type Contender, type ContenderName } from './peers-contenders.js';
import { childPids, cpuMs, flipLatency, memMb, totalCpuMs, wrk } from './peers-measure.js';
import type { StaticService } from './peers-config.js';
import { summarize, type Turn } from './peers-report.js';

const quick = process.env.BENCH_PEERS_QUICK === '1';
const num = (name: string, full: number, q: number) => Number(process.env[name] ?? (quick ? q : full));
const SERVICES = num('BENCH_PEERS_SERVICES', 200, 50);
const INSTANCES = num('BENCH_PEERS_INSTANCES', 5, 5);
const FLIPS = num('BENCH_PEERS_FLIPS', 120, 20);
const ROUNDS = num('BENCH_PEERS_ROUNDS', 2, 1);
const LOAD_S = num('BENCH_PEERS_LOAD_S', 5, 2);
const PAIRS = num('BENCH_PEERS_PAIRS', 2, 1);
const CONNECTIONS = num('BENCH_PEERS_CONNECTIONS', 50, 50);
const RESOLVE_MS = num('BENCH_PEERS_RESOLVE_MS', 100, 100);
const IDLE_S = quick ? 2 : 5;
const OUT = process.env.BENCH_PEERS_OUT ?? 'peers.json';
const ONLY = (process.env.BENCH_PEERS_ONLY ?? 'static,ours,dns,loop').split(',') as ContenderName[];
const HOST = 'probe.bench';
const ROOT = resolve(import.meta.dirname, '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const svc = (s: number) => `svc${String(s).padStart(4, '0')}`;

function ensureWrk(): void {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (err) {
    // wrk --version exits 1 after printing; only a missing binary is ENOENT.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return;
    if (process.getuid?.() !== 0) throw new Error('wrk is missing: apt-get install -y wrk');
    console.log('installing wrk (apt-get install -y wrk)');
    execFileSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
}

/** (SERVICES-1) x INSTANCES catalog entries on synthetic nodes: addresses nobody calls. */
async function registerBackground(consul: ConsulDev): Promise<StaticService[]> {
  const services: StaticService[] = [];
  for (let s = 0; s < SERVICES - 1; s++) {
    services.push({ name: svc(s), instances: Array.from({ length: INSTANCES }, (_, i) => ({ id: `${svc(s)}-${i}`, address: `10.${i}.${s >> 8}.${s & 255}`, port: 8080 })) });
  }
  const all = services.flatMap((s) => s.instances.map((i, k) => ({ s, i, k })));
  await pool(all, 64, async ({ s, i, k }) => {
    await consul.api('PUT', '/v1/catalog/register', {
      Node: `node-${k}`,
      Address: `10.${k}.0.1`,
      SkipNodeUpdate: true,
      Service: { ID: i.id, Service: s.name, Address: i.address, Port: i.port },
      Check: { CheckID: `check-${i.id}`, Name: 'ttl', ServiceID: i.id, Status: 'passing' },
    });
  });
  return services;
}

/** CPU of HAProxy: the master and every worker (old ones included) right now. */
async function haproxyCpu(c: Contender): Promise<{ master: number; workers: number }> {
  const master = await c.haproxyMaster();
  const workers = await childPids(master);
  return { master: (await cpuMs(master)).self, workers: await totalCpuMs(workers) };
}

/**
 * Throughput of `c` paired with the always-running static baseline: PAIRS alternations
 * (baseline, c, then c, baseline, ...), so drift in the machine's load hits both; the ratio
 * is the median of the paired ratios.
 */
async function measureThroughput(c: Contender, baseline: Contender): Promise<Turn['throughput'][number]> {
  const runs: Array<{ rps: number; staticRps: number }> = [];
  let requests = 0;
  let errors = 0;
  let workerMs = 0;
  for (let p = 0; p < PAIRS; p++) {
    const pair = { rps: 0, staticRps: 0 };
    for (const which of p % 2 ? [c, baseline] : [baseline, c]) {
      const before = await haproxyCpu(which);
      const r = await wrk(which.port, HOST, LOAD_S, CONNECTIONS);
      if (which === baseline) {
        pair.staticRps = r.rps;
        continue;
      }
      pair.rps = r.rps;
      requests += r.requests;
      errors += r.errors;
      workerMs += (await haproxyCpu(which)).workers - before.workers;
    }
    runs.push(pair);
  }
  const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  return {
    pairs: runs.map((r) => ({ rps: Math.round(r.rps), staticRps: Math.round(r.staticRps) })),
    rps: Math.round(med(runs.map((r) => r.rps))),
    staticRps: Math.round(med(runs.map((r) => r.staticRps))),
    ratioToStatic: med(runs.map((r) => r.rps / r.staticRps)),
    requests,
    errors,
    haproxyCpuUsPerRequest: requests ? (workerMs * 1000) / requests : Number.NaN,
  };
}

async function turn(name: ContenderName, round: number, root: string, consul: ConsulDev, dnsAddr: string, services: StaticService[], flips: number, baseline: Contender): Promise<Turn> {
  const agentPid = consul.pid;
  const t0 = performance.now();
  const wall0 = Date.now();
  const c = await starters[name]({ consulAddr: consul.addr, dnsAddr, dir: join(root, `${name}-${round}`), services, slots: INSTANCES, resolveMs: RESOLVE_MS });
  try {
    const firstRouteMs = await waitFor(
      async () => ((await requestVia(c.port, HOST).catch(() => ({ status: 0 }))).status === 200 ? performance.now() - t0 : undefined),
      { timeoutMs: 180_000, intervalMs: 10, what: `${name}: first route` },
    );
    const seen = new Set<string>();
    await waitFor(async () => (seen.add((await requestVia(c.port, HOST).catch(() => ({ body: '' }))).body), seen.has('probe-a') && seen.has('probe-b')), { timeoutMs: 60_000, intervalMs: 5, what: `${name}: both instances routed` });
    await sleep(1000);

    // Idle: nothing changes, no traffic; what each costs just by running.
    const cp = () => totalCpuMs(c.controlPlane());
    const agent = async () => (await cpuMs(agentPid)).self;
    let [cp0, ag0, hp0, at] = [await cp(), await agent(), await haproxyCpu(c), performance.now()];
    await sleep(IDLE_S * 1000);
    let dt = (performance.now() - at) / 1000;
    let hp1 = await haproxyCpu(c);
    const idle = { agentCores: (await agent() - ag0) / 1000 / dt, controlPlaneCores: (await cp() - cp0) / 1000 / dt, haproxyCores: (hp1.master + hp1.workers - hp0.master - hp0.workers) / 1000 / dt };

    const throughputBefore = await measureThroughput(c, baseline);
    const out: number[] = [];
    const back: number[] = [];
    let timeouts = 0;
    let flipCpu: Turn['flipCpu'] = { byProcess: [], haproxyMasterMs: Number.NaN, controlPlaneMs: Number.NaN, agentMs: Number.NaN };
    let traffic: Turn['traffic'];
    let stages: Turn['stages'];
    if (name !== 'static') {
      const load = new Traffic(c.port, { keepAliveClients: 2, newConnectionClients: 2, host: HOST, intervalMs: 20 });
      const st0 = await c.stages?.();
      const each0 = await Promise.all(c.controlPlane().map((p) => cpuMs(p)));
      [cp0, ag0, hp0, at] = [await cp(), await agent(), await haproxyCpu(c), performance.now()];
      for (let k = 0; k < flips; k++) {
        const passing = k % 2 === 1;
        const ms = await flipLatency(c.port, HOST, 'probe-b', passing, () => consul.setHealth('probe-b', passing));
        if (ms === null) timeouts++;
        else (passing ? back : out).push(ms);
        await sleep(100);
      }
      dt = (performance.now() - at) / 1000;
      hp1 = await haproxyCpu(c);
      const each1 = await Promise.all(c.controlPlane().map((p) => cpuMs(p)));
      flipCpu = {
        byProcess: each1.map((e, k) => ({ selfMs: (e.self - each0[k]!.self) / flips, childrenMs: (e.children - each0[k]!.children) / flips })),
        haproxyMasterMs: (hp1.master - hp0.master) / flips,
        controlPlaneMs: (await cp() - cp0 + hp1.master - hp0.master) / flips,
        // Net of what the agent spends anyway (the DNS contender's polling above all).
        agentMs: (await agent() - ag0 - idle.agentCores * 1000 * dt) / flips,
      };
      const st1 = await c.stages?.();
      if (st0 && st1) stages = Object.fromEntries(Object.entries(st1).map(([k, [n, s]]) => [k, { count: n - st0[k]![0], meanMs: n - st0[k]![0] ? ((s - st0[k]![1]) * 1000) / (n - st0[k]![0]) : 0 }]));
      const t = await load.stop();
      traffic = { keepAlive: { ok: t.keepAlive.ok, failed: t.keepAlive.failed }, newConnection: { ok: t.newConnection.ok, failed: t.newConnection.failed } };
      await consul.setHealth('probe-b', true);
    }
    const throughputAfter = name === 'static' ? undefined : await measureThroughput(c, baseline);

    const master = await c.haproxyMaster();
    const cpMem = await Promise.all(c.controlPlane().map((p) => memMb(p)));
    const workerMem = await Promise.all((await childPids(master)).map((p) => memMb(p)));
    const memory = {
      byProcess: cpMem,
      controlPlaneRssMb: cpMem.reduce((a, m) => a + m.rss, 0),
      controlPlanePeakMb: cpMem.reduce((a, m) => a + m.peak, 0),
      haproxyRssMb: (await memMb(master)).rss + workerMem.reduce((a, m) => a + m.rss, 0),
    };
    // Read late: the components' log lines reach us through pipes, after the fact.
    const startStages = c.startStages?.(wall0);
    if (startStages) console.log(`  ${name} round ${round}: start-up ms ${JSON.stringify(startStages)}`);
    const throughput = throughputAfter ? [throughputBefore, throughputAfter] : [throughputBefore];
    console.log(`  ${name} round ${round}: first route ${Math.round(firstRouteMs)} ms, ${throughput.map((t) => `${t.rps} req/s (${t.ratioToStatic.toFixed(2)}x static)`).join(' / ')}, flips out p50 ${median(out)} in p50 ${median(back)} ms, cp ${memory.controlPlanePeakMb} MB peak`);
    return { name, round, firstRouteMs, startStages, idle, throughput, flips: { out, back, timeouts }, flipCpu, traffic, stages, memory };
  } catch (err) {
    if (c.output) console.error(`${name} round ${round} failed; its output:\n${c.output()}`);
    throw err;
  } finally {
    await c.stop();
  }
}

const median = (v: number[]) => (v.length ? Math.round([...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!) : Number.NaN);

async function main(): Promise<void> {
  ensureWrk();
  const root = await mkdtemp(join(tmpdir(), 'bench-peers-'));
  const dnsPort = await freePort();
  const consul = await startConsulWithDns(root, dnsPort);
  const backends: Backend[] = [];
  const load = [loadavg()];
  let baseline: Contender | undefined;
  try {
    let t = performance.now();
    const background = await registerBackground(consul);
    for (const id of ['probe-a', 'probe-b']) {
      const b = await Backend.start(id);
      backends.push(b);
      await consul.register({ id, name: 'probe', address: '127.0.0.1', port: b.port });
    }
    const services: StaticService[] = [{ name: 'probe', instances: backends.map((b) => ({ id: b.name, address: '127.0.0.1', port: b.port })) }, ...background];
    console.log(`registered ${SERVICES} services x ${INSTANCES} instances in ${((performance.now() - t) / 1000).toFixed(1)} s; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    // The throughput yardstick, running the whole time: every load on a contender is paired with one on it.
    baseline = await starters.static({ consulAddr: consul.addr, dnsAddr: '', dir: join(root, 'baseline'), services, slots: INSTANCES, resolveMs: RESOLVE_MS });
    await waitFor(async () => (await requestVia(baseline!.port, HOST).catch(() => ({ status: 0 }))).status === 200, { timeoutMs: 10_000, what: 'baseline routing' });
    const turns: Turn[] = [];
    t = performance.now();
    const perRound = Math.max(2, 2 * Math.round(FLIPS / ROUNDS / 2));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const name of ONLY) turns.push(await turn(name, round, root, consul, `127.0.0.1:${dnsPort}`, services, perRound, baseline));
      load.push(loadavg());
    }
    const setup = { services: SERVICES, instances: INSTANCES, flipsPerContender: perRound * ROUNDS, rounds: ROUNDS, loadSeconds: LOAD_S, pairs: PAIRS, connections: CONNECTIONS, resolveMs: RESOLVE_MS, minutes: (performance.now() - t) / 60_000, loadAverage: load };
    const result = summarize(turns, setup);
    await mkdir(join(ROOT, 'bench', 'results'), { recursive: true });
    await writeFile(join(ROOT, 'bench', 'results', OUT), `${JSON.stringify({ at: new Date().toISOString(), setup, ...result, turns }, null, 2)}\n`);
  } finally {
    await baseline?.stop();
    await consul.destroy();
    await Promise.all(backends.map((b) => b.stop()));
    await rm(root, { recursive: true, force: true });
  }
}

await main();
