import { describe, expect, it } from 'vitest';
import { fixtureDataView } from '../data-view.js';
import { buildRelease } from './manifest.js';
import { renderTree } from './render-tree.js';

const templates = (order: string[]) =>
  order.map((path) => ({
    path,
    data: Buffer.from(path.endsWith('.hbs') ? '{{#each (service "web")}}server {{id}} {{address}}:{{port}}\n{{/each}}' : 'static\n'),
  }));
const view = (ids: string[]) => fixtureDataView({ services: { web: ids.map((id, i) => ({ id, node: 'n', address: `10.0.0.${i}`, port: 80 })) } });

describe('buildRelease', () => {
  it('same inputs in any order give the same bytes and id; no timestamps', () => {
    const a = renderTree(templates(['50-web.cfg.hbs', 'maps/hosts.map']), view(['a', 'b']));
    const b = renderTree(templates(['maps/hosts.map', '50-web.cfg.hbs']), view(['a', 'b']));
    const ra = buildRelease(a.files, a.dependencies.map((q) => q.id), 'tpl1');
    const rb = buildRelease(b.files, b.dependencies.map((q) => q.id), 'tpl1');
    expect(ra.id).toBe(rb.id);
    expect(ra.files).toEqual(rb.files);
    const manifest = JSON.parse(Buffer.from(ra.files.at(-1)?.data ?? []).toString());
    expect(manifest).toEqual({
      templates: 'tpl1',
      files: [
        { path: '50-web.cfg', template: '50-web.cfg.hbs' },
        { path: 'maps/hosts.map', template: null },
      ],
      dependencies: ['health.service(web)'],
    });
    expect(JSON.stringify(manifest)).not.toMatch(/\d{4}-\d\d-\d\dT/);
  });

  it('different data or templates version give a different id', () => {
    const r = (ids: string[], tpl: string) => {
      const out = renderTree(templates(['50-web.cfg.hbs']), view(ids));
      return buildRelease(out.files, out.dependencies.map((q) => q.id), tpl).id;
    };
    expect(r(['a'], 't')).not.toBe(r(['a', 'b'], 't'));
    expect(r(['a'], 't')).not.toBe(r(['a'], 'u'));
  });
});
