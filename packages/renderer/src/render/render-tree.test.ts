import { describe, expect, it } from 'vitest';
import { PipelineError } from '@api-server/core';
import { fixtureDataView, MapDataView, type CatalogFixture } from '../data-view.js';
import { healthServiceQuery, kvGetQuery } from '../queries.js';
import { renderTree, type RenderOptions } from './render-tree.js';

const fixture: CatalogFixture = {
  node: { name: 'node-a', address: '10.0.0.9' },
  services: {
    web: [
      { id: 'web-2', node: 'n2', address: '10.0.0.2', port: 8080, tags: ['blue'], meta: { zone: 'b' } },
      { id: 'web-1', node: 'n1', address: '10.0.0.1', port: 8080, tags: ['green', 'blue'] },
      { id: 'web-3', node: 'n1', address: '10.0.0.3', port: 8081, status: 'critical' },
    ],
    'api-v2': [{ id: 'a', address: '10.0.1.1', port: 9000 }],
  },
  kv: { 'cfg/maxconn': '100', 'cfg/hosts/a': 'a.example', 'cfg/hosts/b': 'b.example' },
};

const enc = (s: string) => Buffer.from(s, 'utf8');
const tree = (files: Record<string, string>) => Object.entries(files).map(([path, text]) => ({ path, data: enc(text) }));
const render1 = (src: string, opts: RenderOptions = {}, view = fixtureDataView(fixture)) => {
  const result = renderTree(tree({ 't.cfg.hbs': src, 'partials/p.hbs': '{{node.name}} {{x}}' }), view, opts);
  if (result.errors.length) throw result.errors[0];
  return result.files[0]?.data.toString();
};

describe('renderTree helpers', () => {
  it.each([
    ['service: healthy only, sorted by node then id', '{{#each (service "web")}}{{id}}@{{node}} {{/each}}', 'web-1@n1 web-2@n2 '],
    ['service passing=false includes all', '{{#each (service "web" passing=false)}}{{id}}/{{status}} {{/each}}', 'web-1/passing web-3/critical web-2/passing '],
    ['service tag filter', '{{#each (service "web" tag="green")}}{{id}}{{/each}}', 'web-1'],
    ['service fields', '{{#each (service "web")}}{{address}}:{{port}} {{join tags "|"}} {{len meta}};{{/each}}', '10.0.0.1:8080 green|blue 0;10.0.0.2:8080 blue 1;'],
    ['services sorted with tags', '{{#each (services)}}{{name}}[{{join tags}}] {{/each}}', 'api-v2[] web[blue,green] '],
    ['key', 'maxconn {{key "cfg/maxconn"}}', 'maxconn 100'],
    ['keyOrDefault present', '{{keyOrDefault "cfg/maxconn" "5"}}', '100'],
    ['keyOrDefault missing', '{{keyOrDefault "cfg/nope" "5"}}', '5'],
    ['tree', '{{#each (tree "cfg/hosts")}}{{key}}={{value}},{{/each}}', 'a=a.example,b=b.example,'],
    ['node as value', '{{node.name}} {{node.address}}', 'node-a 10.0.0.9'],
    ['node as helper', '{{#with (node)}}{{name}}{{/with}}', 'node-a'],
    ['haproxyId: clean unchanged, replaced ones hashed', '{{haproxyId "api v2/x@y"}} {{haproxyId "ok_.:-9"}}', 'api_v2_x_y__4de936a8 ok_.:-9'],
    ['toLower/toUpper', '{{toLower "AbC"}}{{toUpper "aBc"}}', 'abcABC'],
    ['replace', '{{replace "a.b.c" "." "_"}}', 'a_b_c'],
    ['eq/ne', '{{#if (eq 1 1)}}y{{/if}}{{#if (ne "a" "a")}}n{{/if}}', 'y'],
    ['default', '{{default "" "d"}}{{default "v" "d"}}{{default (lookup node "nope") "x"}}', 'dvx'],
    ['len', '{{len (service "web")}} {{len "abc"}}', '2 3'],
    ['contains', '{{#each (service "web")}}{{#if (contains tags "green")}}{{id}}{{/if}}{{/each}}', 'web-1'],
    ['noEscape: & \' = < > " come out as written', `acl a hdr(host) -i a&b 'x'=y <z> "q"`, `acl a hdr(host) -i a&b 'x'=y <z> "q"`],
    ['noEscape through a helper', '{{replace "x" "x" "a&b<c=\'d\'"}}', "a&b<c='d'"],
    ['fields win over same-named helpers', '{{#each (tree "cfg/hosts")}}{{key}} {{/each}}{{#each (service "web")}}{{node}} {{/each}}', 'a b n1 n2 '],
    ['@root.node inside a loop', '{{#each (service "web")}}{{@root.node.name}}>{{node}} {{/each}}', 'node-a>n1 node-a>n2 '],
    ['node inside a partial with hash params', '{{> p x="1"}}', 'node-a 1'],
  ])('%s', (_name, src, expected) => {
    expect(render1(src)).toBe(expected);
  });

  it('env: allow-listed names only, with an optional default', () => {
    const opts = { env: { REGION: 'eu', SECRET: 's' }, envAllow: ['REGION', 'ZONE'] };
    expect(render1('{{env "REGION"}} {{env "ZONE" "z1"}}', opts)).toBe('eu z1');
    expect(() => render1('x\n{{env "SECRET"}}', opts)).toThrow(/t\.cfg\.hbs:2: env: variable SECRET is not in TEMPLATE_ENV_ALLOW/);
    expect(() => render1('{{env "ZONE"}}', opts)).toThrow(expect.objectContaining({ code: 'TEMPLATE_ENV_MISSING' }));
  });

  it('node: configured name and address need no Consul query', () => {
    const result = renderTree(tree({ 'n.hbs': '{{node.name}}/{{node.address}}' }), new MapDataView(), { node: { name: 'k8s-1', address: '10.1.1.1' } });
    expect(result.files[0]?.data.toString()).toBe('k8s-1/10.1.1.1');
    expect(result.dependencies).toEqual([]);
  });
});

describe('renderTree errors', () => {
  const cases: Array<[string, Record<string, string>, Partial<{ code: string; template: string; line: number; argument: string; key: string }>]> = [
    ['parse error names the line', { 'a.cfg.hbs': 'ok\nok\n{{foo bar=}}\nok' }, { code: 'TEMPLATE_PARSE', template: 'a.cfg.hbs', line: 3 }],
    ['strict: a missing value fails', { 'a.cfg.hbs': 'l1\n  server {{nope}}' }, { code: 'TEMPLATE_RENDER', template: 'a.cfg.hbs', line: 2 }],
    ['strict: a missing field of an instance', { 'a.cfg.hbs': '\n{{#each (service "web")}}{{meta.version}}{{/each}}' }, { code: 'TEMPLATE_RENDER', line: 2 }],
    ['unknown helper', { 'a.cfg.hbs': '{{nohelper "x"}}' }, { code: 'TEMPLATE_RENDER', line: 1 }],
    ['missing key names the key', { 'a.cfg.hbs': '\n\n{{key "cfg/absent"}}' }, { code: 'TEMPLATE_KEY_MISSING', line: 3, key: 'cfg/absent' }],
    ['helper misuse names the argument', { 'a.cfg.hbs': '{{#each (service "web" tags="x")}}{{/each}}' }, { code: 'TEMPLATE_HELPER', argument: 'tags', line: 1 }],
    ['wrong argument type', { 'a.cfg.hbs': '{{join "notalist"}}' }, { code: 'TEMPLATE_HELPER', argument: 'list' }],
    ['passing must be a boolean', { 'a.cfg.hbs': '{{#each (service "web" passing="false")}}{{/each}}' }, { code: 'TEMPLATE_HELPER', argument: 'passing' }],
    ['missing partial', { 'a.cfg.hbs': 'x\n{{> nope}}' }, { code: 'TEMPLATE_RENDER', line: 2 }],
    ['error inside a partial names the partial', { 'a.cfg.hbs': '{{> be}}', 'partials/be.hbs': 'x\n{{oops}}' }, { code: 'TEMPLATE_RENDER', template: 'partials/be.hbs', line: 2 }],
    ['output conflict', { 'a.cfg.hbs': 'x', 'a.cfg': 'y' }, { code: 'TEMPLATE_OUTPUT_CONFLICT' }],
  ];
  it.each(cases)('%s', (_name, files, expected) => {
    const result = renderTree(tree(files), fixtureDataView(fixture));
    expect(result.missing).toEqual([]);
    const err = result.errors[0];
    expect(err).toBeInstanceOf(PipelineError);
    const { code, ...context } = expected;
    if (code) expect(err?.code).toBe(code);
    expect(err?.context).toMatchObject(context);
    if (context.line) expect(err?.message).toContain(`:${context.line}:`);
  });
});

describe('renderTree files', () => {
  it('renders .hbs, copies others, registers partials without output', () => {
    const result = renderTree(
      tree({
        '50-web.cfg.hbs': 'backend web\n{{> servers name="web"}}',
        'partials/servers.hbs': '{{#each (service name)}}  server {{haproxyId id}} {{address}}:{{port}}\n{{/each}}',
        'maps/hosts.map': 'a.example web\n{{not rendered}}\n',
      }),
      fixtureDataView(fixture),
    );
    expect(result.errors).toEqual([]);
    expect(result.files.map((f) => [f.path, f.template])).toEqual([
      ['50-web.cfg', '50-web.cfg.hbs'],
      ['maps/hosts.map', null],
    ]);
    expect(result.files[0]?.data.toString()).toBe('backend web\n  server web-1 10.0.0.1:8080\n  server web-2 10.0.0.2:8080\n');
    expect(result.files[1]?.data.toString()).toBe('a.example web\n{{not rendered}}\n');
    expect(result.dependencies.map((q) => q.id)).toEqual(['health.service(web)']);
  });

  it('records dependencies and marks unanswered queries missing', () => {
    const web = healthServiceQuery('web');
    const view = new MapDataView(new Map<string, unknown>([[web.id, []]]));
    const result = renderTree(
      tree({ 'a.hbs': '{{#each (service "web")}}x{{/each}}{{key "k"}}{{#each (service "web")}}{{/each}}', 'b.hbs': '{{node.name}}' }),
      view,
    );
    expect(result.dependencies.map((q) => q.id)).toEqual(['agent.self', 'health.service(web)', kvGetQuery('k').id]);
    expect(result.missing.map((q) => q.id)).toEqual(['agent.self', 'kv.get(k)']);
    expect(result.errors).toEqual([]);
  });

  it('query ids hold every argument', () => {
    expect(healthServiceQuery('a b', { tag: 't', passing: false, dc: 'dc1' }).id).toBe('health.service(a%20b,tag=t,passing=false,dc=dc1)');
    expect(healthServiceQuery('a', { passing: true }).id).toBe(healthServiceQuery('a').id);
  });
});

describe('renderTree per-file isolation', () => {
  const outcome = (files: Record<string, string>, opts: RenderOptions = {}) => {
    const result = renderTree(tree(files), fixtureDataView(fixture), opts);
    return {
      files: result.files.map((f) => f.path),
      failed: result.failed.map((f) => [f.template, f.output, f.error.code]),
      errors: result.errors.map((e) => [e.code, e.context['template']]),
    };
  };

  it.each<[string, Record<string, string>, RenderOptions, ReturnType<typeof outcome>]>([
    [
      'a failing template fails alone',
      { 'a.cfg.hbs': '{{nope}}', 'b.cfg.hbs': 'ok', 'c.map': 'x' },
      {},
      { files: ['b.cfg', 'c.map'], failed: [['a.cfg.hbs', 'a.cfg', 'TEMPLATE_RENDER']], errors: [['TEMPLATE_RENDER', 'a.cfg.hbs']] },
    ],
    [
      'a broken partial fails the templates that include it, with its own error, reported once',
      { 'a.cfg.hbs': '{{> be}}', 'b.cfg.hbs': 'x{{> be}}', 'c.cfg.hbs': 'fine', 'partials/be.hbs': '{{#each}}' },
      {},
      {
        files: ['c.cfg'],
        failed: [['a.cfg.hbs', 'a.cfg', 'TEMPLATE_PARSE'], ['b.cfg.hbs', 'b.cfg', 'TEMPLATE_PARSE']],
        errors: [['TEMPLATE_PARSE', 'partials/be.hbs']],
      },
    ],
    [
      'an error inside a partial fails the including template',
      { 'a.cfg.hbs': '{{> be}}', 'b.cfg.hbs': 'ok', 'partials/be.hbs': '{{oops}}' },
      {},
      { files: ['b.cfg'], failed: [['a.cfg.hbs', 'a.cfg', 'TEMPLATE_RENDER']], errors: [['TEMPLATE_RENDER', 'partials/be.hbs']] },
    ],
    [
      'an output over maxFileBytes fails that file',
      { 'a.cfg.hbs': 'x'.repeat(2000), 'b.cfg.hbs': 'small' },
      { maxFileBytes: 1024 },
      { files: ['b.cfg'], failed: [['a.cfg.hbs', 'a.cfg', 'TEMPLATE_OUTPUT_TOO_LARGE']], errors: [['TEMPLATE_OUTPUT_TOO_LARGE', 'a.cfg.hbs']] },
    ],
    [
      'a loop over the cap inside a partial stops while it grows and names the partial',
      { 'a.cfg.hbs': '{{> big}}', 'partials/big.hbs': '{{#each (tree "cfg")}}{{#each (tree "cfg")}}' + 'y'.repeat(600) + '{{/each}}{{/each}}' },
      { maxFileBytes: 1024 },
      { files: [], failed: [['a.cfg.hbs', 'a.cfg', 'TEMPLATE_OUTPUT_TOO_LARGE']], errors: [['TEMPLATE_OUTPUT_TOO_LARGE', 'partials/big.hbs']] },
    ],
    ['skipped templates neither render nor fail', { 'a.cfg.hbs': '{{nope}}', 'b.cfg.hbs': 'ok' }, { skip: new Set(['a.cfg.hbs']) }, { files: ['b.cfg'], failed: [], errors: [] }],
    [
      'an output conflict fails the output',
      { 'a.cfg.hbs': 'x', 'a.cfg': 'y' },
      {},
      { files: ['a.cfg', 'a.cfg'], failed: [['a.cfg.hbs', 'a.cfg', 'TEMPLATE_OUTPUT_CONFLICT']], errors: [['TEMPLATE_OUTPUT_CONFLICT', 'a.cfg.hbs']] },
    ],
  ])('%s', (_name, files, opts, want) => {
    expect(outcome(files, opts)).toEqual(want);
  });

  it('records which template read which query (partials count for the includer) and reports each start', () => {
    const started: string[] = [];
    const result = renderTree(
      tree({ 'a.hbs': '{{> p}}{{key "cfg/maxconn"}}', 'b.hbs': '{{#each (service "web")}}{{/each}}', 'partials/p.hbs': '{{node.name}}' }),
      fixtureDataView(fixture),
      { onTemplate: (t) => started.push(t) },
    );
    expect(result.usedBy).toEqual({ 'a.hbs': ['agent.self', 'kv.get(cfg%2Fmaxconn)'], 'b.hbs': ['health.service(web)'] });
    expect(started).toEqual(['a.hbs', 'b.hbs']);
  });
});

describe('renderTree with an output cap', () => {
  it('{{#each}} under the cap guard keeps its semantics (block params, @last, else)', () => {
    const src = '{{#each (tree "cfg/hosts") as |e i|}}{{i}}:{{e.key}}={{e.value}}{{#if @last}}!{{/if}};{{/each}}{{#each (tree "none")}}x{{else}}empty{{/each}}';
    const plain = renderTree(tree({ 't.hbs': src }), fixtureDataView(fixture));
    const capped = renderTree(tree({ 't.hbs': src }), fixtureDataView(fixture), { maxFileBytes: 1000 });
    expect(capped.files[0]?.data.toString()).toBe('0:a=a.example;1:b=b.example!;empty');
    expect(capped.files[0]?.data.toString()).toBe(plain.files[0]?.data.toString());
  });
});
