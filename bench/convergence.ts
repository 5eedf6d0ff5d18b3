/**
 * Issue 4, "convergence": time from a Consul change (check critical/passing, instance
 * deregistered/registered) until HAProxy stops/starts sending to that instance, seen by
 * a probe that looks at which instance answers. 1,000 services x 10 instances in a real
 * `consul agent -dev`; the built renderer and haproxy-supervisor as processes on one
 * SHARED_DIR (templates published straight to templates/, no S3 needed here).
 * 999 services are catalog entries on synthetic nodes (addresses nobody calls); the
 * probed service `probe` has 10 real loopback instances with TTL checks on the agent.
 * Goal: p99 under 250 ms, zero reloads for these membership-only changes.
 * Run: npx tsc -b packages/renderer packages/haproxy-supervisor && node --import tsx bench/convergence.ts
 * (writes bench/results/convergence.json). Knobs: BENCH_SERVICES (1000), BENCH_INSTANCES (10), BENCH_CHANGES (200),
 * BENCH_LOG (file for the components' logs),
 * BENCH_NODE_OPTIONS (NODE_OPTIONS for the renderer, the supervisor and s3-sync; `deployed`: each its manifest's NODE_OPTIONS and node flags),
 * BENCH_IDLE_S (5: idle CPU measured first, subtracted for "less idle"), BENCH_CPU (user|system: one part of the CPU time only),
 * BENCH_LOG_LEVEL (info), COMPONENT_NODE_ARGS (node flags, e.g. --cpu-prof --cpu-prof-dir=/tmp/prof; COMPONENT_NODE_ARGS_ONLY=renderer: that component's only),
 * BENCH_S3 (1: the template comes through s3rver and s3-sync, so its RSS and CPU are measured too; 0: written to templates/).
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { publishVersion } from '../packages/core/src/index.js';
import { deployedAs, deployedNode } from './deployed-node-options.js';
import { cliCommand } from '../packages/haproxy-supervisor/src/haproxy/cli.js';
import { parseShowProc } from '../packages/haproxy-supervisor/src/haproxy/show-proc.js';
import { ComponentProcess, getText } from '../test/helpers/component.js';
import { ConsulDev, consulBin } from '../test/helpers/consul.js';
import { DemoInstance, metricValue } from '../test/helpers/pipeline.js';
import { S3Dev } from '../test/helpers/s3.js';
import { freePort, waitFor } from '../test/helpers/ports.js';
import { pool } from '../test/helpers/pool.js';
import { percentile } from './percentile.js';
import { readStages, stageTable, type StageSample } from './stages.js';

const SERVICES = Number(process.env.BENCH_SERVICES ?? 1000);
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 10);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 200);
const PROBES = 4;
/** No answer from an instance for this long (while probing continuously) counts as "stopped". */
const SILENCE_MS = 400;
const ROOT = resolve(import.meta.dirname, '..');

const TEMPLATE = `defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  option idle-close-on-response
  load-server-state-from-file global

frontend http
  bind {{env "HTTP_BIND"}}
  use_backend %[req.hdr(host),lower,word(1,.)]

{{#each (services)}}
backend {{haproxyId name}}
  balance roundrobin
{{#each (service name)}}  server {{haproxyId id}} {{address}}:{{port}}
{{/each}}{{/each}}
`;

const svc = (s: number) => `svc${String(s).padStart(4, '0')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));



/** Background instances: catalog entries on synthetic nodes (one agent registration each would keep the dev agent syncing for minutes). */
async function registerCatalog(consul: ConsulDev, s: number, i: number): Promise<void> {
  const id = `${svc(s)}-${i}`;
  await consul.api('PUT', '/v1/catalog/register', {
    Node: `node-${i}`,
    Address: `10.${i}.0.1`,
    SkipNodeUpdate: true,
    Service: { ID: id, Service: svc(s), Address: `10.${i}.${s >> 8}.${s & 255}`, Port: 8080 },
    Check: { CheckID: `check-${id}`, Name: 'ttl', ServiceID: id, Status: 'passing' },
  });
}

/** Continuous keep-alive probing of `probe.bench`: which instance answered each request, and when it was sent. */
class Probe {
  readonly seen: Array<{ at: number; body: string }> = [];
  private running = true;
  private readonly loops: Promise<void>[] = [];
  private readonly agents: Agent[] = [];

  constructor(port: number) {
    for (let i = 0; i < PROBES; i++) {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      this.agents.push(agent);
      this.loops.push(this.loop(port, agent));
    }
  }

  /** First time at or after `since` from which `id` answered nothing (null: it still answers). */
  stoppedAt(id: string, since: number, now: number): number | null {
    let last = -1;
    for (let k = this.seen.length - 1; k >= 0 && this.seen[k]!.at >= since; k--) {
      if (this.seen[k]!.body === id) {
        last = this.seen[k]!.at;
        break;
      }
    }
    const from = last < 0 ? since : last;
    return now - from >= SILENCE_MS ? from : null;
  }

  /** First time at or after `since` that `id` answered. */
  startedAt(id: string, since: number): number | null {
    for (let k = this.seen.length - 1; k >= 0 && this.seen[k]!.at >= since; k--) if (this.seen[k]!.body === id) {
      let first = this.seen[k]!.at;
      for (let j = k - 1; j >= 0 && this.seen[j]!.at >= since; j--) if (this.seen[j]!.body === id) first = this.seen[j]!.at;
      return first;
    }
    return null;
  }

  trim(before: number): void {
    const idx = this.seen.findIndex((s) => s.at >= before);
    if (idx > 0) this.seen.splice(0, idx);
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    for (const a of this.agents) a.destroy();
  }

  private async loop(port: number, agent: Agent): Promise<void> {
    while (this.running) {
      const at = performance.now();
      const body = await new Promise<string>((res) => {
        const req = request({ host: '127.0.0.1', port, path: '/', agent, headers: { host: 'probe.bench' }, timeout: 2000 }, (r) => {
          let b = '';
          r.setEncoding('utf8');
          r.on('data', (d: string) => (b += d));
          r.on('end', () => res(r.statusCode === 200 ? b.trim() : `status ${r.statusCode}`));
        });
        req.on('timeout', () => req.destroy());
        req.on('error', () => res('error'));
        req.end();
      });
      this.seen.push({ at, body });
      if (body === 'error') await sleep(5);
    }
  }
}

/** CPU time (user + system) a process has used so far, ms; NaN when it is gone. */
async function cpuMs(pid: number | undefined): Promise<number> {
  const stat = pid ? await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '') : '';
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = process.env.BENCH_CPU === 'user' ? Number(fields[11]) : process.env.BENCH_CPU === 'system' ? Number(fields[12]) : Number(fields[11]) + Number(fields[12]);
  return stat ? (ticks * 1000) / 100 : Number.NaN;
}

/**
 * Proportional set size now (smaps_rollup Pss), MB: resident memory with pages shared
 * between processes (the node binary, ~34 MB resident in each Node process) divided
 * among them, so the sum over processes is what they really hold together.
 */
async function pssMb(pid: number | undefined): Promise<number> {
  return (await rollupMb(pid)).pss;
}

/** smaps_rollup now, MB: Pss, Anonymous (the process's own pages) and the file-backed rest of its Rss. */
async function rollupMb(pid: number | undefined): Promise<{ pss: number; anonymous: number; file: number }> {
  const rollup = pid ? await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '') : '';
  const mb = (field: string) => {
    const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1];
    return kb ? Math.round(Number(kb) / 1024) : Number.NaN;
  };
  const anonymous = mb('Anonymous');
  return { pss: mb('Pss'), anonymous, file: mb('Rss') - anonymous };
}

/**
 * The control plane as a pod's cgroups charge it: each process's anonymous memory, and the
 * file pages they share (the node binary and libraries, ~38 MB) once, at the largest of
 * them: a page cache page is charged to one cgroup, not to every process that maps it.
 */
async function podMb(pids: Array<number | undefined>): Promise<{ anonymous: number[]; sharedFiles: number; total: number }> {
  const rollups = await Promise.all(pids.filter((p) => p !== undefined).map((p) => rollupMb(p)));
  const anonymous = rollups.map((r) => r.anonymous);
  const sharedFiles = Math.max(...rollups.map((r) => r.file));
  return { anonymous, sharedFiles, total: anonymous.reduce((a, b) => a + b, 0) + sharedFiles };
}

/** Peak resident memory of a process (VmHWM), MB; NaN when it is gone. */
async function peakRssMb(pid: number | undefined): Promise<number> {
  const status = pid ? await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '') : '';
  const kb = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
  return kb ? Math.round(Number(kb) / 1024) : Number.NaN;
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'bench-convergence-'));
  const shared = join(root, 'shared');
  const wrapper = join(root, 'consul');
  await writeFile(wrapper, `#!/bin/sh\nexec ${consulBin(ROOT)} "$@" -hcl 'limits { http_max_conns_per_client = 4096 }'\n`);
  await chmod(wrapper, 0o755);
  const consul = await ConsulDev.start({ bin: wrapper });
  const instances: DemoInstance[] = [];
  const procs: ComponentProcess[] = [];
  let probe: Probe | undefined;
  const s3 = process.env.BENCH_S3 === '0' ? undefined : await S3Dev.start(['routing']);
  try {
    let t = performance.now();
    const background = Array.from({ length: (SERVICES - 1) * INSTANCES }, (_, k) => [Math.floor(k / INSTANCES), k % INSTANCES] as const);
    await pool(background, 64, ([s, i]) => registerCatalog(consul, s, i));
    for (let i = 0; i < INSTANCES; i++) {
      const inst = await DemoInstance.start(`probe-${i}`);
      instances.push(inst);
      await consul.register({ id: `probe-${i}`, name: 'probe', address: '127.0.0.1', port: inst.port });
    }
    console.log(`registered ${SERVICES} services x ${INSTANCES} instances in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    if (s3) await s3.put('routing', 'prod/20-all.cfg.hbs', TEMPLATE);
    else await publishVersion({ root: join(shared, 'templates') }, [{ path: '20-all.cfg.hbs', data: Buffer.from(TEMPLATE) }]);

    const [http, rendererPort, supervisorPort] = [await freePort(), await freePort(), await freePort()];
    // BENCH_NODE_OPTIONS: the heap flags the pod sets (deploy/k8s ConfigMap), to measure RSS as deployed.
    const common = { SHARED_DIR: shared, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info', ...(process.env.BENCH_NODE_OPTIONS && process.env.BENCH_NODE_OPTIONS !== 'deployed' ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}) };
    // BENCH_NODE_OPTIONS=deployed: each process gets its container's NODE_OPTIONS and node flags from the manifests.
    const deployed = process.env.BENCH_NODE_OPTIONS === 'deployed' ? await deployedNode() : {};
    const flags = (container: string): Record<string, string> => deployedAs(deployed, container).env;
    const nodeArgs = (container: string): readonly string[] => deployedAs(deployed, container).args;
    procs.push(
      new ComponentProcess('renderer', {
        ...common,
        ...flags('renderer'),
        CONSUL_HTTP_ADDR: consul.addr,
        METRICS_ADDR: `127.0.0.1:${rendererPort}`,
        NODE_NAME: 'bench',
        NODE_IP: '127.0.0.1',
        RENDER_WAIT_MIN_MS: '20',
        RENDER_WAIT_MAX_MS: '200',
        TEMPLATE_ENV_ALLOW: 'HTTP_BIND',
        HTTP_BIND: `127.0.0.1:${http}`,
      }, nodeArgs('renderer')).start(),
      new ComponentProcess('haproxy-supervisor', {
        ...common,
        ...flags('haproxy-supervisor'),
        METRICS_ADDR: `127.0.0.1:${supervisorPort}`,
        SYSLOG_TCP_ADDR: 'off',
        HAPROXY_HARD_STOP_AFTER: '5s',
      }, nodeArgs('haproxy-supervisor')).start(),
    );
    if (s3) procs.push(new ComponentProcess('s3-sync', { ...common, ...flags('s3-sync'), ...s3.env(), METRICS_ADDR: `127.0.0.1:${await freePort()}`, SOURCE_URL: 's3://routing/prod', SYNC_INTERVAL_MS: '15000' }, nodeArgs('s3-sync')).start());
    t = performance.now();
    await waitFor(async () => (await getText(`http://127.0.0.1:${supervisorPort}/readyz`).catch(() => ({ status: 0 }))).status === 200, { timeoutMs: 300_000, intervalMs: 200, what: 'supervisor ready' });
    console.log(`first config live in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const master = join(shared, 'run', 'haproxy-master.sock');
    const reloads = async () => parseShowProc(await cliCommand(master, 'show proc'))!.master.reloads;
    probe = new Probe(http);
    await waitFor(async () => new Set(probe!.seen.slice(-200).map((s) => s.body)).size === INSTANCES, { timeoutMs: 60_000, what: 'every probe instance answering' });
    const reloadsBefore = await reloads();
    const supMetrics = async () => (await getText(`http://127.0.0.1:${supervisorPort}/metrics`)).body;
    const runtimeBefore = metricValue(await supMetrics(), 'haproxy_supervisor_updates_total', { method: 'runtime' });

    const cpuPids = { renderer: procs[0]!.pid, supervisor: procs[1]!.pid, s3Sync: procs[2]?.pid };
    const cpuNow = async () => ({ renderer: await cpuMs(cpuPids.renderer), supervisor: await cpuMs(cpuPids.supervisor), s3Sync: await cpuMs(cpuPids.s3Sync) });
    // Idle CPU first (probe traffic running, nothing changing): what the changes' CPU includes per second they take.
    const idleS = Number(process.env.BENCH_IDLE_S ?? 5);
    const idleStart = await cpuNow();
    await sleep(idleS * 1000);
    const idleEnd = await cpuNow();
    const idleMsPerS = Object.fromEntries((['renderer', 'supervisor', 's3Sync'] as const).map((k) => [k, Math.round(((idleEnd[k] - idleStart[k]) / idleS) * 10) / 10]));
    console.log(`idle CPU (ms per second over ${idleS} s, probe traffic on): ${JSON.stringify(idleMsPerS)}`);
    const cpuBefore = await cpuNow();
    const changesStart = performance.now();
    const ops = ['critical', 'passing', 'deregister', 'register'] as const;
    const samples: Record<(typeof ops)[number], number[]> = { critical: [], passing: [], deregister: [], register: [] };
    const timeouts: string[] = [];
    const stages: StageSample[] = [];
    let missingStages = 0;
    for (let c = 0; c < CHANGES; c++) {
      const op = ops[c % 4]!;
      const k = Math.floor(c / 4) % INSTANCES;
      const id = `probe-${k}`;
      const t0 = performance.now();
      const wall0 = Date.now();
      if (op === 'critical') await consul.setHealth(id, false);
      else if (op === 'passing') await consul.setHealth(id, true);
      else if (op === 'deregister') await consul.deregister(id);
      else await consul.register({ id, name: 'probe', address: '127.0.0.1', port: instances[k]!.port });
      const stopping = op === 'critical' || op === 'deregister';
      let at: number | null = null;
      while (at === null && performance.now() - t0 < 10_000) {
        await sleep(10);
        at = stopping ? probe.stoppedAt(id, t0, performance.now()) : probe.startedAt(id, t0);
      }
      if (at === null) timeouts.push(`${op} ${id}`);
      else samples[op].push(at - t0);
      const stage = await readStages(shared, wall0);
      if (stage) stages.push(stage);
      else missingStages++;
      probe.trim(performance.now() - 2000);
      await sleep(50);
    }
    const reloadsAfter = await reloads();
    // Control-plane CPU per change (HAProxy's own is dominated by the probe traffic, so left out).
    const cpuPerChangeMs = {
      renderer: (await cpuMs(cpuPids.renderer)) - cpuBefore.renderer,
      supervisor: (await cpuMs(cpuPids.supervisor)) - cpuBefore.supervisor,
      s3Sync: (await cpuMs(cpuPids.s3Sync)) - cpuBefore.s3Sync,
    };
    const changesS = (performance.now() - changesStart) / 1000;
    const cpuPerChangeNetMs: Record<string, number> = {};
    for (const k of ['renderer', 'supervisor', 's3Sync'] as const) {
      cpuPerChangeNetMs[k] = Math.round(((cpuPerChangeMs[k] - idleMsPerS[k]! * changesS) / CHANGES) * 10) / 10;
      cpuPerChangeMs[k] = Math.round((cpuPerChangeMs[k] / CHANGES) * 10) / 10;
    }
    console.log(`CPU per change (ms, user+system over ${CHANGES} changes in ${changesS.toFixed(1)} s): ${JSON.stringify(cpuPerChangeMs)}; less idle: ${JSON.stringify(cpuPerChangeNetMs)}`);
    const proc = parseShowProc(await cliCommand(master, 'show proc'))!;
    const peakRss = {
      rendererMb: await peakRssMb(procs[0]!.pid),
      supervisorMb: await peakRssMb(procs[1]!.pid),
      s3SyncMb: await peakRssMb(procs[2]?.pid),
      haproxyMasterMb: await peakRssMb(proc.master.pid),
      haproxyWorkerMb: await peakRssMb(proc.workers[0]?.pid),
    };
    console.log(`peak RSS (VmHWM): ${JSON.stringify(peakRss)}`);
    const pss = { rendererMb: await pssMb(procs[0]!.pid), supervisorMb: await pssMb(procs[1]!.pid), s3SyncMb: await pssMb(procs[2]?.pid) };
    console.log(`PSS now (shared pages split among the processes): ${JSON.stringify(pss)}, control plane total ${[pss.rendererMb, pss.supervisorMb, pss.s3SyncMb].filter((v) => !Number.isNaN(v)).reduce((a, b) => a + b, 0)} MB`);
    const pod = await podMb(procs.map((p) => p.pid));
    console.log(`as a pod's cgroups charge it now (anonymous per process ${pod.anonymous.join(' + ')} MB, shared file pages once ${pod.sharedFiles} MB): ${pod.total} MB`);
    const runtimeAfter = metricValue(await supMetrics(), 'haproxy_supervisor_updates_total', { method: 'runtime' });
    const all = Object.values(samples).flat();
    const rows = [...ops.map((op) => [op, samples[op]] as const), ['all', all] as const].map(([name, v]) => ({
      change: name,
      n: v.length,
      p50Ms: Math.round(percentile(v, 50)),
      p99Ms: Math.round(percentile(v, 99)),
      maxMs: Math.round(Math.max(...v)),
    }));
    console.log(`\n${CHANGES} changes at ${SERVICES} services x ${INSTANCES} instances: ${reloadsAfter - reloadsBefore} reload(s), ${runtimeAfter - runtimeBefore} runtime update(s), ${timeouts.length} timeout(s)\n`);
    console.log('| change | n | p50 ms | p99 ms | max ms |');
    console.log('|---|---|---|---|---|');
    for (const r of rows) console.log(`| ${r.change} | ${r.n} | ${r.p50Ms} | ${r.p99Ms} | ${r.maxMs} |`);
    // Where the time goes: per stage, from the supervisor's lastChange (state file) per sample.
    const breakdown = stageTable(stages);
    console.log(`\nstages (${stages.length} samples with a breakdown, ${missingStages} without; methods: ${[...new Set(stages.map((s) => s.method))].join(',')})\n`);
    console.log('| stage | p50 ms | p99 ms | max ms |');
    console.log('|---|---|---|---|');
    for (const r of breakdown) console.log(`| ${r.stage} | ${r.p50Ms} | ${r.p99Ms} | ${r.maxMs} |`);
    console.log(`load average: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    await mkdir(join(ROOT, 'bench', 'results'), { recursive: true });
    await writeFile(
      join(ROOT, 'bench', 'results', 'convergence.json'),
      `${JSON.stringify({ at: new Date().toISOString(), services: SERVICES, instances: INSTANCES, changes: CHANGES, reloads: reloadsAfter - reloadsBefore, runtimeUpdates: runtimeAfter - runtimeBefore, timeouts, peakRss, rows, breakdown, pss, pod, cpuPerChangeMs, cpuPerChangeNetMs, idleMsPerS, loadavg: loadavg(), samplesMs: samples, stageSamples: stages }, null, 2)}\n`,
    );
  } finally {
    await probe?.stop();
    // BENCH_LOG=<file>: keep the components' log lines (per-stage timings).
    if (process.env.BENCH_LOG) await writeFile(process.env.BENCH_LOG, procs.map((p) => p.output).join('\n---\n'));
    for (const p of procs.reverse()) await p.stop();
    await Promise.all(instances.map((i) => i.stop()));
    await consul.destroy();
    await s3?.stop();
    await rm(root, { recursive: true, force: true });
  }
}

await main();
