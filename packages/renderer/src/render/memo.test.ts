import { describe, expect, it } from 'vitest';
import { MapDataView } from '../data-view.js';
import { catalogServicesQuery, healthServiceQuery, kvGetQuery, type ServiceInstance } from '../queries.js';
import { iterationMemoStats, renderTree } from './render-tree.js';

const tree = (files: Record<string, string>) => Object.entries(files).map(([path, text]) => ({ path, data: Buffer.from(text, 'utf8') }));
const instance = (svc: string, i: number, extra: Partial<ServiceInstance> = {}): ServiceInstance =>
  ({ id: `${svc}-${i}`, name: svc, node: `n${i}`, address: `10.0.0.${i}`, port: 8000 + i, tags: [], meta: {}, status: 'passing', ...extra }) as ServiceInstance;

/** A live-cache-like view: answers keep their identity until replaced, like the worker's cache. */
function catalog(services: Record<string, ServiceInstance[]>, kv: Record<string, string> = {}): Map<string, unknown> {
  const values = new Map<string, unknown>();
  values.set(catalogServicesQuery().id, Object.keys(services).sort().map((name) => ({ name, tags: [] })));
  for (const [name, list] of Object.entries(services)) values.set(healthServiceQuery(name).id, list);
  for (const [k, v] of Object.entries(kv)) values.set(kvGetQuery(k).id, v);
  return values;
}

const BACKENDS = `{{#each (services)}}backend {{haproxyId name}}
{{> servers}}{{/each}}`;
const SERVERS = `{{#each (service name)}}  server {{haproxyId id}} {{address}}:{{port}} weight {{keyOrDefault "w" "1"}}
{{/each}}`;

/** The same render with every answer copied: nothing can come from the memo. */
function fresh(files: ReturnType<typeof tree>, values: Map<string, unknown>) {
  return renderTree(files, new MapDataView(new Map([...values].map(([k, v]) => [k, structuredClone(v)]))));
}

const comparable = (r: ReturnType<typeof renderTree>) => ({
  files: r.files.map((f) => [f.path, Buffer.from(f.data).toString()]),
  dependencies: r.dependencies.map((d) => d.id),
  missing: r.missing.map((d) => d.id),
  errors: r.errors.map((e) => e.message),
  usedBy: r.usedBy,
});

describe('IterationMemo through renderTree', () => {
  it('renders again only the loop bodies whose answers changed, with the output and dependencies of a full render', () => {
    const files = tree({ '20-all.cfg.hbs': BACKENDS, 'partials/servers.hbs': SERVERS });
    const services = Object.fromEntries(Array.from({ length: 50 }, (_, s) => [`svc${s}`, [1, 2, 3].map((i) => instance(`svc${s}`, i))]));
    const values = catalog(services, { w: '5' });
    const view = new MapDataView(values);
    expect(comparable(renderTree(files, view))).toEqual(comparable(fresh(files, values)));

    // A health flip: one service's answer replaced.
    values.set(healthServiceQuery('svc7').id, [instance('svc7', 1), instance('svc7', 3)]);
    const before = iterationMemoStats();
    const second = renderTree(files, view);
    const after = iterationMemoStats();
    expect(comparable(second)).toEqual(comparable(fresh(files, values)));
    expect(Buffer.from(second.files[0]!.data).toString()).not.toContain('server svc7-2 ');
    // 49 backends served whole from the memo; svc7's backend and its 2 servers rendered.
    expect(after.hits - before.hits).toBe(49);
    expect(after.misses - before.misses).toBe(3);

    // A KV value every server line reads: nothing may be reused.
    values.set(kvGetQuery('w').id, '7');
    const third = renderTree(files, view);
    expect(comparable(third)).toEqual(comparable(fresh(files, values)));
    expect(Buffer.from(third.files[0]!.data).toString()).toContain('weight 7');
  });

  it('starts over when a template or partial changes', () => {
    const values = catalog({ a: [instance('a', 1)], b: [instance('b', 1)] });
    const view = new MapDataView(values);
    renderTree(tree({ 'x.cfg.hbs': BACKENDS, 'partials/servers.hbs': SERVERS }), view);
    const changed = tree({ 'x.cfg.hbs': BACKENDS, 'partials/servers.hbs': SERVERS.replace('weight', 'check weight') });
    expect(Buffer.from(renderTree(changed, view).files[0]!.data).toString()).toContain('check weight 1');
  });

  it('keys on the loop variables: a service added in front shifts every @index', () => {
    const src = '{{#each (services)}}{{@index}}:{{name}}{{#if @last}}.{{/if}} {{/each}}';
    const values = catalog({ b: [], c: [] });
    const view = new MapDataView(values);
    expect(Buffer.from(renderTree(tree({ 'i.hbs': src }), view).files[0]!.data).toString()).toBe('0:b 1:c. ');
    const [b, c] = values.get(catalogServicesQuery().id) as object[];
    // Same item objects, new positions (the catalog answer replaced, its entries kept).
    values.set(catalogServicesQuery().id, [{ name: 'a', tags: [] }, b, c]);
    expect(Buffer.from(renderTree(tree({ 'i.hbs': src }), view).files[0]!.data).toString()).toBe('0:a 1:b 2:c. ');
  });

  it('renders an inner loop right when the outer loop variable it reads (@../first) shifts', () => {
    const src = '{{#each (services)}}{{#each (service name)}}{{#if @../first}}first {{/if}}{{@index}}:{{id}} {{/each}}{{/each}}';
    const values = catalog({ b: [instance('b', 1)], c: [instance('c', 1)] });
    const view = new MapDataView(values);
    const render = () => Buffer.from(renderTree(tree({ 'n.hbs': src }), view).files[0]!.data).toString();
    expect(render()).toBe('first 0:b-1 0:c-1 ');
    const [b, c] = values.get(catalogServicesQuery().id) as object[];
    values.set(healthServiceQuery('a').id, [instance('a', 1)]);
    values.set(catalogServicesQuery().id, [{ name: 'a', tags: [] }, b, c]);
    // b's instances are the same objects, but b is no longer the first service.
    expect(render()).toBe('first 0:a-1 0:b-1 0:c-1 ');
  });

  it('stays off for a tree whose loops read an outer scope (../), and renders it right', () => {
    const src = '{{#each (services)}}{{#each (service name)}}{{../name}}/{{id}} {{/each}}{{/each}}';
    const values = catalog({ a: [instance('a', 1)], b: [instance('b', 1)] });
    const view = new MapDataView(values);
    const before = iterationMemoStats();
    renderTree(tree({ 'd.hbs': src }), view);
    values.set(healthServiceQuery('b').id, [instance('b', 2)]);
    expect(Buffer.from(renderTree(tree({ 'd.hbs': src }), view).files[0]!.data).toString()).toBe('a/a-1 b/b-2 ');
    expect(iterationMemoStats().hits).toBe(before.hits);
  });

  it('never caches an iteration that met a query with no answer yet', () => {
    const values = catalog({ a: [instance('a', 1)] });
    values.delete(healthServiceQuery('a').id);
    const view = new MapDataView(values);
    const files = tree({ 'm.hbs': '{{#each (services)}}{{#each (service name)}}{{id}} {{/each}}{{/each}}' });
    expect(renderTree(files, view).missing.map((q) => q.id)).toEqual([healthServiceQuery('a').id]);
    values.set(healthServiceQuery('a').id, [instance('a', 1)]);
    const done = renderTree(files, view);
    expect(done.missing).toEqual([]);
    expect(Buffer.from(done.files[0]!.data).toString()).toBe('a-1 ');
  });
});
