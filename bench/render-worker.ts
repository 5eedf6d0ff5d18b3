/**
 * Issue 9: what rendering in the worker costs a render pass. 1,000 services x 10
 * instances in memory, the one template of bench/renderer-scale.ts; one service's answer
 * changes before each pass (a health flip). Interleaves the two ways, so both see the
 * same machine load:
 *   - in-process: `renderTree` on the main thread (before issue 9)
 *   - worker: `RenderWorker.render` with the cache delta (after), also the main thread's
 *     own synchronous time per pass (what a template can no longer block)
 * Run: node --import tsx bench/render-worker.ts   Knobs: BENCH_SERVICES, BENCH_INSTANCES, BENCH_PASSES.
 */
import { MapDataView } from '../packages/renderer/src/data-view.js';
import { catalogServicesQuery, healthServiceQuery, type ServiceInstance } from '../packages/renderer/src/queries.js';
import { renderTree } from '../packages/renderer/src/render/render-tree.js';
import { RenderWorker } from '../packages/renderer/src/render/render-worker.js';
import { percentile } from './percentile.js';

const SERVICES = Number(process.env.BENCH_SERVICES ?? 1000);
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 10);
const PASSES = Number(process.env.BENCH_PASSES ?? 30);
const TEMPLATE = [
  '{{#each (services)}}',
  'backend {{haproxyId name}}',
  '  balance roundrobin',
  '{{#each (service name)}}  server {{haproxyId id}} {{address}}:{{port}} check',
  '{{/each}}{{/each}}',
  '',
].join('\n');

const svc = (s: number) => `svc${String(s).padStart(4, '0')}`;
const instances = (s: number, down: number): ServiceInstance[] =>
  Array.from({ length: INSTANCES }, (_, i) => i)
    .filter((i) => i !== down)
    .map((i) => ({ id: `${svc(s)}-${i}`, name: svc(s), node: `node-${i}`, address: `10.${i}.${s >> 8}.${s & 255}`, port: 8080, tags: [], meta: {}, status: 'passing' }));

const cache = new Map<string, unknown>([[catalogServicesQuery().id, Array.from({ length: SERVICES }, (_, s) => ({ name: svc(s), tags: [] }))]]);
for (let s = 0; s < SERVICES; s++) cache.set(healthServiceQuery(svc(s)).id, instances(s, -1));
const templates = { id: 'bench', files: [{ path: '50-all.cfg.hbs', data: Buffer.from(TEMPLATE) }] };
const flip = (n: number) => {
  const s = (n * 7919) % SERVICES;
  cache.set(healthServiceQuery(svc(s)).id, instances(s, n % 2 === 0 ? 0 : -1));
};

const worker = new RenderWorker({ render: { maxFileBytes: 32 << 20 }, timeoutMs: 60_000, heapMb: 256 });
const inProcess: number[] = [];
const inWorker: number[] = [];
const mainThread: number[] = [];
let bytes = 0;
// One warm-up each: the first worker pass is sent the whole cache.
renderTree(templates.files, new MapDataView(cache));
const first = performance.now();
await worker.render({ templates, data: { cache } });
const firstWorkerMs = performance.now() - first;
for (let n = 0; n < PASSES; n++) {
  flip(n);
  let t = performance.now();
  const a = renderTree(templates.files, new MapDataView(cache));
  inProcess.push(performance.now() - t);
  flip(n + PASSES);
  t = performance.now();
  const pending = worker.render({ templates, data: { cache } });
  mainThread.push(performance.now() - t); // building and posting the delta
  const b = await pending;
  inWorker.push(performance.now() - t);
  bytes = b.files[0]?.data.length ?? 0;
  if (a.files[0]?.data.length === 0) throw new Error('empty render');
}
await worker.close();
const fmt = (v: number[]) => `${percentile(v, 50).toFixed(1)} / ${percentile(v, 99).toFixed(1)}`;
console.table({
  'services x instances': `${SERVICES} x ${INSTANCES} (${(bytes / 1e6).toFixed(2)} MB out)`,
  'in-process renderTree p50/p99 (ms)': fmt(inProcess),
  'worker pass p50/p99 (ms)': fmt(inWorker),
  'main thread busy per worker pass p50/p99 (ms)': fmt(mainThread),
  'first worker pass, whole cache sent (ms)': firstWorkerMs.toFixed(1),
});
