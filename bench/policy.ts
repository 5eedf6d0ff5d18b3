/**
 * CPU cost of the policy check and the section parser on a large version: 1,000 team
 * files of one backend x 10 servers (11,000 config lines), best of 12 runs, CPU time
 * (the machine is shared: wall time is noise). Run: node --import tsx bench/policy.ts
 */
import { checkPolicy, DEFAULT_POLICY, parseSections } from '../packages/haproxy/src/index.js';

const BACKENDS = Number(process.env.BENCH_BACKENDS ?? 1000);
const files: Array<{ path: string; data: Buffer }> = [];
for (let b = 0; b < BACKENDS; b++) {
  let text = `backend svc-${b}\n    mode http\n    balance roundrobin\n    option httpchk GET /healthz\n`;
  for (let s = 0; s < 10; s++) text += `    server svc-${b}-${s} 10.0.${b % 250}.${s}:8080 check weight 100\n`;
  files.push({ path: `50-svc-${b}.cfg`, data: Buffer.from(text) });
}
const cpuMs = (fn: () => unknown): number => {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};
let parse = Infinity;
let policy = Infinity;
for (let i = 0; i < 12; i++) {
  parse = Math.min(parse, cpuMs(() => parseSections(files)));
  policy = Math.min(policy, cpuMs(() => checkPolicy(DEFAULT_POLICY, files)));
}
console.log(JSON.stringify({ benchmark: 'policy', backends: BACKENDS, servers: BACKENDS * 10, parseSectionsCpuMs: Math.round(parse), checkPolicyCpuMs: Math.round(policy) }));
