import { describe, expect, it } from 'vitest';
import { fixtureDataView } from '../data-view.js';
import { renderTree } from './render-tree.js';

const view = fixtureDataView({
  services: { web: [{ id: 'w1', node: 'n1', address: '10.0.0.1', port: 80, tags: ['a'], meta: { weight: '5', zone: 'z' } }] },
  kv: { 'cfg/hosts/a': 'x', 'cfg/hosts/b': 'y', 'cfg/x': 'X' },
  node: { name: 'node-a', address: '10.0.0.9' },
});
const render = (src: string) => renderTree([{ path: 't.hbs', data: Buffer.from(src) }], view);
const text = (src: string) => {
  const result = render(src);
  if (result.errors.length) throw result.errors[0];
  return result.files[0]?.data.toString();
};

describe('sandbox: unknown properties fail under strict mode with their line', () => {
  it.each([
    ['{{constructor}}', 'constructor'],
    ['{{__proto__}}', '__proto__'],
    ['{{toString}}', 'toString'],
    ['{{hasOwnProperty}}', 'hasOwnProperty'],
    ['{{valueOf}}', 'valueOf'],
    ['{{__defineGetter__}}', '__defineGetter__'],
    ['{{node.constructor}}', 'constructor'],
    ['{{#with node}}{{__proto__}}{{/with}}', '__proto__'],
    ['{{#each (service "web")}}{{tags.map}}{{/each}}', 'map'],
    ['{{#each (service "web")}}{{meta.constructor}}{{/each}}', 'constructor'],
    ['{{#each (service "web")}}{{this.toString}}{{/each}}', 'toString'],
    ['{{#each (service "web")}}{{meta.nope}}{{/each}}', 'nope'],
    ['{{@key}}', 'key'],
  ])('%s', (src, name) => {
    const result = render(`ok\n${src}`);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ code: 'TEMPLATE_RENDER', context: { template: 't.hbs', line: 2 } });
    expect(result.errors[0]?.message).toContain(`"${name}" not defined`);
  });
});

describe('sandbox: no side-effect helpers, checked lookup', () => {
  it.each([
    ['{{log "fake json"}}', 'TEMPLATE_HELPER', /log: not available/],
    ['{{log}}', 'TEMPLATE_HELPER', /log: not available/],
    ['{{lookup}}', 'TEMPLATE_HELPER', /lookup: expected 2 argument/],
    ['{{lookup node}}', 'TEMPLATE_HELPER', /lookup: expected 2 argument/],
    ['{{lookup node node}}', 'TEMPLATE_HELPER', /argument 2 \(field\)/],
  ])('%s', (src, code, message) => {
    const result = render(`\n${src}`);
    expect(result.errors[0]).toMatchObject({ code, context: { line: 2 } });
    expect(result.errors[0]?.message).toMatch(message);
  });
  it('lookup reads own properties only', () => {
    expect(text('{{lookup node "name"}}|{{lookup node "constructor"}}|{{lookup (service "web") 0}}')).toBe('node-a||[object Object]');
  });
});

describe('sandbox: @data variables are data, helpers stay helpers', () => {
  it.each([
    ['@key/@index/@first/@last over a tree', '{{#each (tree "cfg/hosts")}}{{@key}}:{{key}}:{{@index}}:{{@first}}:{{@last}} {{/each}}', '0:a:0:true:false 1:b:1:false:true '],
    ['@key over meta (an object)', '{{#each (service "web")}}{{#each meta}}{{@key}}={{this}};{{/each}}{{/each}}', 'weight=5;zone=z;'],
    ['key helper inside each', '{{#each (tree "cfg/hosts")}}{{key "cfg/x"}}{{/each}}', 'XX'],
    ['@key as a helper argument', '{{#each (service "web")}}{{#each meta}}{{toUpper @key}} {{/each}}{{/each}}', 'WEIGHT ZONE '],
    ['@root', '{{#each (service "web")}}{{@root.node.name}}{{/each}}', 'node-a'],
  ])('%s', (_name, src, expected) => {
    expect(text(src)).toBe(expected);
  });
});

describe('sandbox: lenient lookups (helper arguments) read own properties, silently', () => {
  it('a prototype name as an argument reads as undefined and prints nothing', () => {
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    try {
      expect(text('{{default constructor "x"}}|{{default node.toString "y"}}|{{len (default node.name "")}}')).toBe('x|y|6');
    } finally {
      console.error = original;
    }
    expect(errors).toEqual([]);
  });
});
