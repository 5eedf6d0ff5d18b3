/**
 * What the untrusted-data checks and the template sandbox cost (pure CPU, no Consul):
 * the value checks on 20,000 health instances (`validInstances`, the step every Consul
 * answer now goes through), the whole `normalizeHealth` for comparison, and one render
 * of 1,000 services x 20 instances (CPU ms per call) through the sandboxed Handlebars, with a naive server
 * line and with the recommended one (`haproxyId`, `int`). Writes
 * bench/results/renderer-checks.json. Run: node --import tsx bench/renderer-checks.ts
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MapDataView } from '../packages/renderer/src/data-view.js';
import { catalogServicesQuery, healthServiceQuery } from '../packages/renderer/src/queries.js';
import { renderTree } from '../packages/renderer/src/render/render-tree.js';
import { normalizeHealth } from '../packages/renderer/src/sources/health-service.js';
import { validInstances, type CandidateInstance } from '../packages/renderer/src/sources/refusals.js';

const ROOT = resolve(import.meta.dirname, '..');
const ROUNDS = 10;

/** Mean CPU time (user + system) per call: steadier than wall time on a shared machine. */
function meanMs(fn: () => unknown): number {
  for (let i = 0; i < 3; i++) fn();
  const start = process.cpuUsage();
  for (let i = 0; i < ROUNDS; i++) fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / ROUNDS;
}

const entries = Array.from({ length: 20_000 }, (_, i) => ({
  Node: { Node: `node-${i % 50}`, Address: `10.0.${i % 250}.${i % 200}` },
  Service: { ID: `web-${i}`, Service: 'web', Address: `10.1.${i % 250}.${i % 200}`, Port: 8000 + (i % 100), Tags: ['a', 'b', 'canary', `t${i % 7}`, 'x'], Meta: { weight: '10', zone: 'eu-1', version: 'v1.2.3', team: 'payments' } },
  Checks: [{ Status: 'passing' }],
}));
const candidates: CandidateInstance[] = normalizeHealth(entries);

const values = new Map<string, unknown>();
const names = Array.from({ length: 1000 }, (_, s) => `svc-${s}`);
values.set(catalogServicesQuery().id, names.map((name) => ({ name, tags: [] })));
for (const name of names) {
  values.set(
    healthServiceQuery(name).id,
    Array.from({ length: 20 }, (_, i) => ({ id: `${name}-${i}`, name, node: `n${i}`, address: `10.0.${i}.1`, port: 8080, tags: ['a'], meta: { weight: '10' }, status: 'passing' })),
  );
}
const view = new MapDataView(values);
const render = (line: string) => {
  const tpl = Buffer.from(`{{#each (services)}}backend {{haproxyId name}}\n{{#each (service name)}}${line}\n{{/each}}{{/each}}`);
  return () => {
    const result = renderTree([{ path: 'a.cfg.hbs', data: tpl }], view);
    if (result.errors.length) throw result.errors[0];
  };
};

const results = {
  at: new Date().toISOString(),
  checksPer20kInstancesMs: meanMs(() => validInstances(candidates)),
  normalizeHealthPer20kInstancesMs: meanMs(() => normalizeHealth(entries)),
  renderNaive1000x20Ms: meanMs(render('  server {{id}} {{address}}:{{port}} weight {{meta.weight}}')),
  renderRecommended1000x20Ms: meanMs(render('  server {{haproxyId id}} {{address}}:{{port}} weight {{int meta.weight 1 min=0 max=256}}')),
};
console.table(Object.fromEntries(Object.entries(results).filter(([k]) => k !== 'at').map(([k, v]) => [k, (v as number).toFixed(1)])));
await mkdir(join(ROOT, 'bench/results'), { recursive: true });
await writeFile(join(ROOT, 'bench/results/renderer-checks.json'), `${JSON.stringify(results, null, 2)}\n`);
