import { describe, expect, it } from 'vitest';
import { linePattern, mapRenderedLines } from './line-map.js';

describe('linePattern', () => {
  it.each([
    ['{{#each (service "web")}}', null],
    ['{{/each}}', null],
    ['{{> servers name="web"}}', null],
    ['   ', null],
    ['{{x}}', null],
    ['    server {{id}} {{address}}:{{port}}', '    server a 10.0.0.1:80'],
    ['    server {{id}} {{address}}:{{port}}{{#if meta.weight}} weight {{meta.weight}}{{/if}}', '    server a 1.2.3.4:80'],
    ['    balance roundrobin', '    balance roundrobin'],
  ])('%j', (template, rendered) => {
    const p = linePattern(template);
    if (rendered === null) expect(p).toBeNull();
    else expect(p!.test(rendered)).toBe(true);
  });
});

describe('mapRenderedLines', () => {
  it('maps loop bodies, literal lines and partial lines back to their source', () => {
    const template = ['# web', 'backend web', '    mode http', '{{#each (service "web")}}', '    server {{id}} {{address}}:{{port}}', '{{/each}}', '    balanse x', '{{> servers name="web"}}', '    timeout server 1s'].join('\n');
    const partials = new Map([['servers', '{{#each (service name)}}\n    server {{id}} {{address}}:{{port}} check\n{{/each}}\n']]);
    const rendered = ['# web', 'backend web', '    mode http', '    server a 1:1', '    server b 2:2', '    balanse x', '    server a 1:1 check', '    server b 2:2 check', '    timeout server 1s'].join('\n');
    const map = mapRenderedLines({ file: 't.cfg.hbs', text: template }, rendered, partials);
    expect(map.map((m) => (m ? `${m.file}:${m.line}` : null))).toEqual([
      't.cfg.hbs:1',
      't.cfg.hbs:2',
      't.cfg.hbs:3',
      't.cfg.hbs:5',
      't.cfg.hbs:5',
      't.cfg.hbs:7',
      'partials/servers.hbs:2',
      'partials/servers.hbs:2',
      't.cfg.hbs:9',
    ]);
  });
  it('leaves a line no template line explains unmapped', () => {
    expect(mapRenderedLines({ file: 't', text: 'a\n{{x}}\n' }, 'a\nzzz\n')[1]).toBeUndefined();
  });
});
