import { describe, expect, it } from 'vitest';
import { renderRepo } from './render-repo.js';
import type { Catalog } from './catalog.js';

describe('renderRepo', () => {
  it('a fixture value the renderer refuses is left out and reported as a warning, once', async () => {
    const catalog = {
      env: {},
      fixture: {
        services: { web: [{ id: 'good', address: '10.0.0.1', port: 80 }, { id: 'bad', address: '10.0.0.2\nglobal', port: 80 }] },
      },
    } as unknown as Catalog;
    const tpl = Buffer.from('{{#each (service "web")}}server {{id}} {{address}}:{{port}}\n{{/each}}{{#each (service "web")}}{{/each}}');
    const { result, diagnostics } = await renderRepo([{ path: 'a.cfg.hbs', data: tpl }], { kind: 'fixture', catalog }, { env: {} });
    expect(result.files[0]?.data.toString()).toBe('server good 10.0.0.1:80\n');
    expect(diagnostics).toEqual([
      { severity: 'warning', code: 'CONSUL_VALUE_REFUSED', file: '.', message: 'service web instance bad address: control character U+000A at offset 8 (left out, as a node would)' },
    ]);
  });
});
