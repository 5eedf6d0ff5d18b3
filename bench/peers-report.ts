/**
 * bench/peers.ts's summary: per contender over all rounds, a side-by-side table with ours'
 * ratios to each peer, and the issue's targets for ours (met or not). Pure except for printing.
 */
import { percentile } from './percentile.js';
import type { ContenderName } from './peers-contenders.js';

export interface Turn {
  name: ContenderName;
  round: number;
  firstRouteMs: number;
  /** Ours: start-up milestones from its components' logs, ms after the start. */
  startStages?: Record<string, number>;
  /** Cores used with nothing changing and no traffic. */
  idle: { agentCores: number; controlPlaneCores: number; haproxyCores: number };
  /** Before the flips, and (not static) after them. */
  throughput: Array<{ pairs: Array<{ rps: number; staticRps: number }>; rps: number; staticRps: number; ratioToStatic: number; requests: number; errors: number; haproxyCpuUsPerRequest: number }>;
  flips: { out: number[]; back: number[]; timeouts: number };
  /** Per flip: control plane incl. HAProxy's master (reload re-exec), and the agent net of its idle rate. */
  flipCpu: {
    /** Each control-plane process (ours: renderer, supervisor; loop: the loop): own CPU and its waited children's (`haproxy -c`). */
    byProcess: Array<{ selfMs: number; childrenMs: number }>;
    haproxyMasterMs: number;
    controlPlaneMs: number;
    agentMs: number;
  };
  traffic?: { keepAlive: { ok: number; failed: number }; newConnection: { ok: number; failed: number } };
  stages?: Record<string, { count: number; meanMs: number }>;
  /** byProcess: each control-plane process (ours: renderer, supervisor), MB. */
  memory: { byProcess: Array<{ rss: number; peak: number }>; controlPlaneRssMb: number; controlPlanePeakMb: number; haproxyRssMb: number };
}

type Summary = Record<string, number>;

const med = (v: number[]) => percentile(v.filter((x) => Number.isFinite(x)), 50);

function summarizeOne(turns: Turn[]): Summary {
  const all = (f: (t: Turn) => number[]) => turns.flatMap(f);
  const out = all((t) => t.flips.out);
  const back = all((t) => t.flips.back);
  const both = [...out, ...back];
  const failed = turns.reduce((a, t) => a + (t.traffic ? t.traffic.keepAlive.failed + t.traffic.newConnection.failed : 0), 0);
  const sent = turns.reduce((a, t) => a + (t.traffic ? t.traffic.keepAlive.ok + t.traffic.newConnection.ok : 0), 0) + failed;
  return {
    firstRouteMsMedian: med(turns.map((t) => t.firstRouteMs)),
    firstRouteMsMax: Math.max(...turns.map((t) => t.firstRouteMs)),
    rpsBeforeFlips: med(turns.map((t) => t.throughput[0]!.rps)),
    rpsAfterFlips: med(turns.map((t) => t.throughput.at(-1)!.rps)),
    ratioToStaticBefore: med(turns.map((t) => t.throughput[0]!.ratioToStatic)),
    ratioToStaticAfter: med(turns.map((t) => t.throughput.at(-1)!.ratioToStatic)),
    haproxyCpuUsPerRequest: med(turns.map((t) => t.throughput.at(-1)!.haproxyCpuUsPerRequest)),
    loadErrors: turns.reduce((a, t) => a + t.throughput.reduce((b, x) => b + x.errors, 0), 0),
    flipOutP50Ms: percentile(out, 50),
    flipOutP99Ms: percentile(out, 99),
    flipInP50Ms: percentile(back, 50),
    flipInP99Ms: percentile(back, 99),
    flipAllP50Ms: percentile(both, 50),
    flipAllP99Ms: percentile(both, 99),
    flipTimeouts: turns.reduce((a, t) => a + t.flips.timeouts, 0),
    trafficFailed: failed,
    trafficSent: sent,
    cpuPerFlipControlPlaneMs: med(turns.map((t) => t.flipCpu.controlPlaneMs)),
    cpuPerFlipAgentMs: med(turns.map((t) => t.flipCpu.agentMs)),
    idleAgentCores: med(turns.map((t) => t.idle.agentCores)),
    idleControlPlaneCores: med(turns.map((t) => t.idle.controlPlaneCores)),
    idleHaproxyCores: med(turns.map((t) => t.idle.haproxyCores)),
    controlPlaneRssMb: Math.max(...turns.map((t) => t.memory.controlPlaneRssMb)),
    controlPlanePeakRssMb: Math.max(...turns.map((t) => t.memory.controlPlanePeakMb)),
    haproxyRssMb: Math.max(...turns.map((t) => t.memory.haproxyRssMb)),
  };
}

const ROWS: Array<[keyof ReturnType<typeof summarizeOne>, string]> = [
  ['firstRouteMsMedian', 'start -> first route, ms (median)'],
  ['firstRouteMsMax', 'start -> first route, ms (max)'],
  ['rpsBeforeFlips', 'throughput req/s, fresh start'],
  ['rpsAfterFlips', 'throughput req/s, after the flips'],
  ['ratioToStaticBefore', 'throughput / paired static, fresh start'],
  ['ratioToStaticAfter', 'throughput / paired static, after the flips'],
  ['haproxyCpuUsPerRequest', 'HAProxy worker CPU us/request'],
  ['loadErrors', 'wrk errors (non-2xx + socket)'],
  ['flipOutP50Ms', 'fail -> no longer routed p50 ms'],
  ['flipOutP99Ms', 'fail -> no longer routed p99 ms'],
  ['flipInP50Ms', 'pass -> routed p50 ms'],
  ['flipInP99Ms', 'pass -> routed p99 ms'],
  ['flipAllP50Ms', 'any flip p50 ms'],
  ['flipAllP99Ms', 'any flip p99 ms'],
  ['flipTimeouts', 'flips not converged in 15 s'],
  ['trafficFailed', 'failed requests during flips'],
  ['trafficSent', 'requests during flips'],
  ['cpuPerFlipControlPlaneMs', 'CPU ms/flip, control plane + HAProxy master'],
  ['cpuPerFlipAgentMs', 'CPU ms/flip, Consul agent (net of idle)'],
  ['idleAgentCores', 'Consul agent idle, cores'],
  ['idleControlPlaneCores', 'control plane idle, cores'],
  ['idleHaproxyCores', 'HAProxy idle, cores'],
  ['controlPlaneRssMb', 'control plane RSS MB (end)'],
  ['controlPlanePeakRssMb', 'control plane peak RSS MB (sum of VmHWM)'],
  ['haproxyRssMb', 'HAProxy RSS MB (master + workers)'],
];

const fmt = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '-' : Math.abs(x) >= 100 ? String(Math.round(x)) : x.toFixed(Math.abs(x) >= 10 ? 1 : 3).replace(/\.?0+$/, '') || '0');
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? '-' : `${(a / b).toFixed(2)}x`);

/** Prints the table and the targets; returns what goes into peers.json besides the raw turns. */
export function summarize(turns: Turn[], setup: Record<string, unknown>) {
  const names = [...new Set(turns.map((t) => t.name))];
  const by = Object.fromEntries(names.map((n) => [n, summarizeOne(turns.filter((t) => t.name === n))])) as Partial<Record<ContenderName, Summary>>;
  const peers = names.filter((n) => n !== 'ours');
  console.log(`\n${JSON.stringify(setup)}\n`);
  console.log(`| measure | ${names.join(' | ')} | ${peers.map((p) => `ours/${p}`).join(' | ')} |`);
  console.log(`|---|${names.map(() => '---:').join('|')}|${peers.map(() => '---:').join('|')}|`);
  for (const [key, label] of ROWS) {
    console.log(`| ${label} | ${names.map((n) => fmt(by[n]![key])).join(' | ')} | ${peers.map((p) => ratio(by.ours?.[key], by[p]![key])).join(' | ')} |`);
  }
  const ours = by.ours;
  // The static turn runs the baseline's very config: its paired ratio is what noise alone gives.
  if (by.static) console.log(`\nnoise floor: static against its paired static baseline (same config) = ${fmt(by.static.ratioToStaticBefore)}x`);
  const stages = turns.filter((t) => t.stages).map((t) => t.stages!);
  if (stages.length) {
    console.log('\nours, stage breakdown during the flips (the components\' histograms, per round):');
    for (const s of stages) console.log(`  ${Object.entries(s).map(([k, v]) => `${k}: ${v.count} x ${v.meanMs.toFixed(1)} ms`).join(', ')}`);
  }
  const cpuRows = turns.filter((t) => t.flipCpu.byProcess.length);
  if (cpuRows.length) {
    console.log('\nCPU ms per flip by process (self + waited children such as haproxy -c; HAProxy master), and RSS by process:');
    const label: Partial<Record<ContenderName, string[]>> = { ours: ['renderer', 'supervisor'], loop: ['loop'] };
    for (const t of cpuRows) {
      const parts = t.flipCpu.byProcess.map((p, k) => `${label[t.name]?.[k] ?? k} ${fmt(p.selfMs)} + ${fmt(p.childrenMs)}`);
      const mem = t.memory.byProcess.map((m, k) => `${label[t.name]?.[k] ?? k} ${m.rss} MB (peak ${m.peak})`);
      console.log(`  ${t.name} round ${t.round}: ${parts.join(', ')}, master ${fmt(t.flipCpu.haproxyMasterMs)}; RSS ${mem.join(', ')}`);
    }
  }
  const targets = ours
    ? [
        { target: 'throughput >= 0.95x static (after flips, paired)', value: `${fmt(ours.ratioToStaticAfter)}x`, met: ours.ratioToStaticAfter! >= 0.95 },
        { target: 'throughput >= 0.95x static (fresh start, paired)', value: `${fmt(ours.ratioToStaticBefore)}x`, met: ours.ratioToStaticBefore! >= 0.95 },
        { target: 'flip p99 <= 0.5x HAProxy DNS', value: ratio(ours.flipAllP99Ms, by.dns?.flipAllP99Ms), met: by.dns ? ours.flipAllP99Ms! <= 0.5 * by.dns.flipAllP99Ms! : undefined },
        { target: 'first route <= 1.5 s after start (max)', value: `${fmt(ours.firstRouteMsMax)} ms`, met: ours.firstRouteMsMax! <= 1500 },
        { target: 'control plane < 150 MB RSS (peak)', value: `${fmt(ours.controlPlanePeakRssMb)} MB`, met: ours.controlPlanePeakRssMb! < 150 },
        { target: 'CPU < 15 ms per health flip (control plane)', value: `${fmt(ours.cpuPerFlipControlPlaneMs)} ms`, met: ours.cpuPerFlipControlPlaneMs! < 15 },
        {
          target: 'CPU < 15 ms per health flip (+ Consul agent)',
          value: `${fmt(ours.cpuPerFlipControlPlaneMs! + ours.cpuPerFlipAgentMs!)} ms`,
          met: ours.cpuPerFlipControlPlaneMs! + ours.cpuPerFlipAgentMs! < 15,
        },
      ]
    : [];
  if (targets.length) {
    console.log('\ntargets for ours:');
    for (const t of targets) console.log(`  ${t.met === undefined ? 'n/a ' : t.met ? 'MET ' : 'NOT MET'} ${t.target}: ${t.value}`);
  }
  return { summary: by, targets };
}
