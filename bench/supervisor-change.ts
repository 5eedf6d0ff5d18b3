/**
 * The supervisor's pure per-change steps on a large version: one config file of
 * BENCH_BACKENDS backends x BENCH_SERVERS servers (1,000 x 10: ~600 KB), one server line
 * flipping in and out (a health flip), each version a fresh Buffer as `readTree` gives.
 * Per change: the section parse (`parseSections`, kept per file as bytes), the policy
 * check, the version id (sha256 of the files) and the runtime plan against the previous
 * version. Mean wall ms per change over BENCH_CHANGES changes after 20 warm-up ones,
 * garbage collection included (it is part of what a change costs). First, the CPU of a
 * version never seen (a start, a new template): the whole parse and the policy check of
 * that file, and of the same backends as one team file each. Runs under the
 * manifests' node flags (`--no-turbofan --max-semi-space-size=1`; it re-executes itself
 * with them). Run: pnpm build && node --import tsx bench/supervisor-change.ts (writes
 * bench/results/supervisor-change.json). No goal of its own: it locates the supervisor's
 * share of `bench/convergence.ts`'s CPU per change.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// The built packages (`pnpm build` first), as the supervisor runs them: sources through tsx
// would load a second copy of @api-server/haproxy beside the one plan-runtime imports,
// with its own caches.
import { versionId } from '../packages/core/dist/index.js';
import { checkPolicy, DEFAULT_POLICY, parseSections } from '../packages/haproxy/dist/index.js';
import { planRuntime } from '../packages/haproxy-supervisor/dist/runtime/plan-runtime.js';

const FLAGS = ['--no-turbofan', '--max-semi-space-size=1'];
if (!FLAGS.every((f) => process.execArgv.includes(f))) {
  const result = spawnSync(process.execPath, [...FLAGS, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}

const BACKENDS = Number(process.env.BENCH_BACKENDS ?? 1000);
const SERVERS = Number(process.env.BENCH_SERVERS ?? 10);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 200);

/** The config, with server `skip` of the middle backend left out (a flip). */
function config(skip: number): Buffer {
  let text = 'defaults\n    mode http\n    timeout connect 5s\n\nfrontend http\n    bind :80\n    use_backend %[req.hdr(host),lower,map(/etc/haproxy/hosts.map)]\n\n';
  for (let b = 0; b < BACKENDS; b++) {
    text += `backend svc-${b}\n    balance roundrobin\n    option httpchk GET /healthz\n`;
    for (let s = 0; s < SERVERS; s++) if (!(b === BACKENDS >> 1 && s === skip)) text += `    server svc-${b}-${s} 10.0.${b % 250}.${s % 250}:8080 check weight 100\n`;
    text += '\n';
  }
  return Buffer.from(text);
}

const globalFile = { path: '0-haproxy-supervisor.cfg', data: Buffer.from('global\n    maxconn 1000\n') };
const versions = [config(-1), config(SERVERS >> 1)];

const cpuMs = (fn: () => unknown): number => {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};
/** Parse, then policy check (on the parse it shares), of a version none of whose text was seen yet. */
const firstSight = (files: Array<{ path: string; data: Buffer }>) => ({ parseCpuMs: Math.round(cpuMs(() => parseSections(files))), policyCpuMs: Math.round(cpuMs(() => checkPolicy(DEFAULT_POLICY, files))) });
const teamFiles = versions[0]!
  .toString()
  .split(/\n(?=backend )/)
  .slice(1)
  .map((text, b) => ({ path: `50-team-${b}.cfg`, data: Buffer.from(`# team ${b}\n${text}`) }));
const cold = { oneFile: firstSight([globalFile, { path: '50-all.cfg', data: Buffer.from(versions[0]!) }]), teamFiles: firstSight([globalFile, ...teamFiles]) };
const steps = { parseSections: 0, checkPolicy: 0, versionId: 0, planRuntime: 0 };
const timed = <T>(step: keyof typeof steps, fn: () => T): T => {
  const start = performance.now();
  const out = fn();
  steps[step] += performance.now() - start;
  return out;
};

let previous: Array<{ path: string; data: Buffer }> | undefined;
let cpuStart = process.cpuUsage();
for (let i = 0; i < CHANGES + 20; i++) {
  if (i === 20) {
    for (const k of Object.keys(steps) as Array<keyof typeof steps>) steps[k] = 0;
    cpuStart = process.cpuUsage();
  }
  const files = [globalFile, { path: '50-all.cfg', data: Buffer.from(versions[i % 2]!) }];
  timed('parseSections', () => parseSections(files));
  timed('checkPolicy', () => checkPolicy(DEFAULT_POLICY, files));
  timed('versionId', () => versionId(files));
  if (previous) timed('planRuntime', () => planRuntime(previous!, files));
  previous = files;
}
const cpu = process.cpuUsage(cpuStart);
const perChange = Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, Number((v / CHANGES).toFixed(3))]));
const total = Object.values(steps).reduce((a, b) => a + b, 0) / CHANGES;
const result = {
  benchmark: 'supervisor-change',
  backends: BACKENDS,
  servers: BACKENDS * SERVERS,
  fileKb: Math.round(versions[0]!.length / 1024),
  changes: CHANGES,
  firstSight: cold,
  msPerChange: perChange,
  totalMsPerChange: Number(total.toFixed(3)),
  cpuMsPerChange: Number(((cpu.user + cpu.system) / 1000 / CHANGES).toFixed(3)),
};
console.log(`${BACKENDS} backends x ${SERVERS} servers (${result.fileKb} KB). A version never seen, CPU ms: one file ${JSON.stringify(cold.oneFile)}, one file per backend ${JSON.stringify(cold.teamFiles)}.`);
console.log(`${CHANGES} changes, ms per change:\n`);
console.log('| step | ms |\n|---|---:|');
for (const [k, v] of Object.entries(perChange)) console.log(`| ${k} | ${v} |`);
console.log(`| **total** (CPU ${result.cpuMsPerChange}) | **${result.totalMsPerChange}** |`);
const out = join(import.meta.dirname, 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'supervisor-change.json'), `${JSON.stringify(result, null, 2)}\n`);
