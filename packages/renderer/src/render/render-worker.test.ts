import { afterEach, describe, expect, it } from 'vitest';
import { kvTreeQuery } from '../queries.js';
import { RenderWorker } from './render-worker.js';

const tree = (files: Record<string, string>) => Object.entries(files).map(([path, text]) => ({ path, data: Buffer.from(text) }));
const big = kvTreeQuery('big');
const keys = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, path: `big/k${i}`, value: 'v' }));
const NESTED = `{{#each (tree "big")}}{{#each (tree "big")}}{{#each (tree "big")}}{{#each (tree "big")}}{{/each}}{{/each}}{{/each}}{{/each}}`;

describe('RenderWorker', () => {
  let worker: RenderWorker | undefined;
  afterEach(async () => worker?.close());

  it('renders in a worker, sends deltas, and a runaway template fails alone with TEMPLATE_TIMEOUT', async () => {
    const restarts: string[] = [];
    worker = new RenderWorker({ render: { maxFileBytes: 1 << 20 }, timeoutMs: 500, heapMb: 128, onRestart: (r) => restarts.push(r) });
    const cache = new Map<string, unknown>([[big.id, keys(2)]]);
    const templates = { id: 't1', files: tree({ 'a.cfg.hbs': '{{#each (tree "big")}}{{key}} {{/each}}', 'b.cfg.hbs': NESTED, 'c.map': 'static' }) };
    const first = await worker.render({ templates, data: { cache } });
    expect(first.failed).toEqual([]);
    expect(first.files.map((f) => [f.path, f.data.toString()])).toEqual([['a.cfg', 'k0 k1 '], ['b.cfg', ''], ['c.map', 'static']]);
    expect(first.usedBy).toEqual({ 'a.cfg.hbs': [big.id], 'b.cfg.hbs': [big.id] });

    cache.set(big.id, keys(400)); // 400^4 iterations: runs for hours
    const started = Date.now();
    const second = await worker.render({ templates, data: { cache } });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(second.failed.map((f) => [f.template, f.output, f.error.code])).toEqual([['b.cfg.hbs', 'b.cfg', 'TEMPLATE_TIMEOUT']]);
    expect(second.failed[0]?.error.message).toMatch(/b\.cfg\.hbs: rendering took longer than RENDER_TIMEOUT_MS \(500 ms\)/);
    expect(second.files.map((f) => f.path)).toEqual(['a.cfg', 'c.map']);
    expect(second.files[0]?.data.toString()).toContain('k399 ');
    expect(restarts).toEqual(['timeout in b.cfg.hbs']);

    // The replacement worker starts empty: it is sent the whole cache again.
    const third = await worker.render({ templates, data: { cache }, skip: new Set(['b.cfg.hbs']) });
    expect(third.failed).toEqual([]);
    expect(third.files[0]?.data.toString()).toContain('k399 ');
    // ... and sends its dependency lists in full (it does not know the old worker's).
    expect(third.dependencies.map((q) => q.id)).toEqual([big.id]);
    expect(third.usedBy).toEqual({ 'a.cfg.hbs': [big.id] });
  }, 20_000);

  it('sends the dependency lists only when they change: the same lists again are the same objects', async () => {
    worker = new RenderWorker({ render: {}, timeoutMs: 5_000, heapMb: 128 });
    const other = kvTreeQuery('other');
    const cache = new Map<string, unknown>([[big.id, keys(2)], [other.id, keys(1)]]);
    const templates = { id: 't1', files: tree({ 'a.cfg.hbs': '{{#each (tree "big")}}{{key}} {{/each}}' }) };
    const first = await worker.render({ templates, data: { cache } });
    cache.set(big.id, keys(3));
    const second = await worker.render({ templates, data: { cache } });
    expect(second.files[0]?.data.toString()).toBe('k0 k1 k2 ');
    expect(second.dependencies).toBe(first.dependencies);
    expect(second.usedBy).toBe(first.usedBy);
    // A template that reads one more query: new lists, with both.
    const wider = { id: 't2', files: tree({ 'a.cfg.hbs': '{{#each (tree "big")}}{{key}} {{/each}}{{#each (tree "other")}}{{key}}{{/each}}' }) };
    const third = await worker.render({ templates: wider, data: { cache } });
    expect(third.dependencies).not.toBe(first.dependencies);
    expect(third.dependencies.map((q) => q.id)).toEqual([big.id, other.id]);
    expect(third.usedBy).toEqual({ 'a.cfg.hbs': [big.id, other.id] });
    // Back to the narrower one: new lists again, not the first ones.
    const fourth = await worker.render({ templates, data: { cache } });
    expect(fourth.dependencies.map((q) => q.id)).toEqual([big.id]);
    expect(fourth.usedBy).toEqual({ 'a.cfg.hbs': [big.id] });
  }, 20_000);

  it('an output over the cap fails that file with TEMPLATE_OUTPUT_TOO_LARGE while it grows', async () => {
    worker = new RenderWorker({ render: { maxFileBytes: 100_000 }, timeoutMs: 5_000, heapMb: 128 });
    const cache = new Map<string, unknown>([[big.id, keys(300)]]);
    const templates = {
      id: 't1',
      files: tree({ 'huge.cfg.hbs': `{{#each (tree "big")}}{{#each (tree "big")}}{{#each (tree "big")}}${'x'.repeat(100)}{{/each}}{{/each}}{{/each}}`, 'ok.cfg.hbs': 'ok' }),
    };
    const result = await worker.render({ templates, data: { cache } });
    expect(result.failed.map((f) => [f.template, f.error.code])).toEqual([['huge.cfg.hbs', 'TEMPLATE_OUTPUT_TOO_LARGE']]);
    expect(result.failed[0]?.error.message).toMatch(/huge\.cfg\.hbs: output is more than 100000 bytes, over RENDER_MAX_FILE_BYTES/);
    expect(result.files.map((f) => f.path)).toEqual(['ok.cfg']);
  }, 20_000);

  it('renders a fixture (apictl validate) and reports missing queries', async () => {
    worker = new RenderWorker({ render: {}, timeoutMs: 5_000, heapMb: 128 });
    const templates = { id: 't', files: tree({ 'a.hbs': '{{#each (service "web")}}{{address}}{{/each}}' }) };
    const result = await worker.render({ templates, data: { fixture: { services: { web: [{ address: '10.0.0.1', port: 80 }] } } } });
    expect(result.files[0]?.data.toString()).toBe('10.0.0.1');
    const none = await worker.render({ templates, data: { cache: new Map() } });
    expect(none.missing.map((q) => q.id)).toEqual(['health.service(web)']);
  }, 20_000);

  it('a recursive partial fails its template (stack overflow in the worker), the worker lives on', async () => {
    const restarts: string[] = [];
    worker = new RenderWorker({ render: {}, timeoutMs: 5_000, heapMb: 128, onRestart: (r) => restarts.push(r) });
    const templates = { id: 't', files: tree({ 'a.cfg.hbs': '{{> self}}', 'partials/self.hbs': 'x{{> self}}', 'b.cfg.hbs': 'ok' }) };
    const result = await worker.render({ templates, data: { cache: new Map() } });
    expect(result.failed.map((f) => [f.template, f.error.code])).toEqual([['a.cfg.hbs', 'TEMPLATE_RENDER']]);
    expect(result.failed[0]?.error.message).toMatch(/Maximum call stack size exceeded/);
    expect(result.files.map((f) => f.path)).toEqual(['b.cfg']);
    expect(restarts).toEqual([]);
  }, 20_000);

  it('a render that exhausts the worker heap fails its template with TEMPLATE_MEMORY_LIMIT; a new worker renders the rest', async () => {
    const restarts: string[] = [];
    worker = new RenderWorker({ render: {}, timeoutMs: 60_000, heapMb: 32, onRestart: (r) => restarts.push(r) });
    const cache = new Map<string, unknown>([[big.id, keys(200)]]);
    const templates = { id: 't', files: tree({ 'a.cfg.hbs': `{{#each (tree "big")}}{{#each (tree "big")}}{{#each (tree "big")}}{{key}}-{{@index}}{{/each}}{{/each}}{{/each}}`, 'b.cfg.hbs': 'ok' }) };
    const result = await worker.render({ templates, data: { cache } });
    expect(result.failed.map((f) => [f.template, f.error.code])).toEqual([['a.cfg.hbs', 'TEMPLATE_MEMORY_LIMIT']]);
    expect(result.files.map((f) => f.path)).toEqual(['b.cfg']);
    expect(restarts).toEqual(['out of memory in a.cfg.hbs']);
  }, 90_000);

  it('close() rejects a render in progress and stops the worker at once', async () => {
    worker = new RenderWorker({ render: {}, timeoutMs: 60_000, heapMb: 128 });
    const cache = new Map<string, unknown>([[big.id, keys(400)]]);
    const pending = worker.render({ templates: { id: 't', files: tree({ 'b.hbs': NESTED }) }, data: { cache } });
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    const rejected = expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await worker.close();
    await rejected;
    expect(Date.now() - started).toBeLessThan(1_000);
  }, 20_000);
});
