import { describe, expect, it } from 'vitest';
import { fixtureDataView, MapDataView, type CatalogFixture } from '../data-view.js';
import { healthServiceQuery, kvGetQuery } from '../queries.js';
import { renderTree } from '../render/render-tree.js';
import { normalizeAgentSelf } from './node-info.js';
import { normalizeCatalogServices } from './catalog-services.js';
import { normalizeHealth } from './health-service.js';
import { normalizeKvGet } from './kv-get.js';
import { normalizeKvTree } from './kv-tree.js';
import type { Refusal } from './refusals.js';
import { addressProblem, escapeValue, portProblem, textProblem } from './untrusted.js';

/** Text no template may see: anything that could end a config line, or too long. */
export const HOSTILE_TEXT: string[] = [
  '1\nglobal',
  '1\r\nglobal',
  '1\rx',
  '\n',
  'ok\n',
  '\nok',
  '1\n  program x\n  command /bin/sh -c id',
  '1\nstats socket ipv4@0.0.0.0:9999 level admin',
  'a\u0000b',
  '\u0000',
  'a\tb',
  '\u000b',
  '\u000c',
  '\u0001',
  '\u001b[31mred',
  '\u001f',
  'a\u007f',
  '\u0080',
  '\u0085',
  '\u009b2J',
  '\u009f',
  'x\u2028y',
  'x\u2029y',
  'web\u2028global',
  'a'.repeat(4097),
  `${'b'.repeat(5000)}\n`,
  '%0a is fine but \n is not',
  'tab\tseparated\tkeywords',
  '\r\n\r\n',
  'trailing cr\r',
];

/** Addresses that are not an IP literal or RFC 1123 host name. */
const HOSTILE_ADDRESSES: string[] = [
  ...HOSTILE_TEXT,
  '',
  '10.0.0.1 backup',
  '10.0.0.1#x',
  '10.0.0.1:80',
  '10.0.0.1;x',
  '1.2.3.999',
  '1.2.3',
  '01.2.3.4',
  'fe80::1%eth0',
  '[::1]',
  'http://example.com',
  'exa mple.com',
  'a..b',
  '.a',
  '-a.example',
  'a-.example',
  'a_b.example',
  'x'.repeat(64),
  `${'a.'.repeat(127)}ab`,
  'café.example',
  'a/b',
  'a"b',
  "a'b",
  '${HOME}',
];

const GOOD_ADDRESSES = ['10.0.0.1', '::1', '2001:db8::1', '::ffff:10.0.0.1', 'web-1.service.consul', 'localhost', 'a.b.c.', 'x1', '1a.example', `${'a'.repeat(63)}.example`];

describe('textProblem', () => {
  it.each(HOSTILE_TEXT.map((v) => [escapeValue(v, 30), v]))('refuses %s', (_name, value) => {
    expect(textProblem(value)).toEqual(expect.any(String));
  });
  it.each(['', 'plain', 'ünïcödé✓', 'a'.repeat(4096), 'a=b&c,d:e/f@g+h', 'https://x.example/p?q=1', '10.0.0.0/8,192.168.0.0/16'])('accepts %j', (value) => {
    expect(textProblem(value)).toBeUndefined();
  });
  it('names the character and its offset', () => {
    expect(textProblem('ab\ncd')).toBe('control character U+000A at offset 2');
    expect(textProblem(42)).toBe('not a string (number)');
  });
});

describe('textProblem: characters that break an HAProxy word', () => {
  it.each(['two words', 'tab\u00a0nbsp', '1;new ssl ca-file /etc/passwd', '1#x', '"q"', "'q'", 'a\\b', '${HOME}', '%[req.hdr(x)]', '} or { always_true', '`x`', 'x\u3000y'])(
    'refuses the word-breaking %j',
    (value) => {
      expect(textProblem(value)).toMatch(/single words/);
    },
  );
});

describe('addressProblem', () => {
  it.each(HOSTILE_ADDRESSES.map((v) => [escapeValue(v, 30), v]))('refuses %s', (_name, value) => {
    expect(addressProblem(value)).toEqual(expect.any(String));
  });
  it.each(GOOD_ADDRESSES)('accepts %s', (value) => {
    expect(addressProblem(value)).toBeUndefined();
  });
});

describe('portProblem', () => {
  it.each([0, -1, 65536, 1.5, Number.NaN, Infinity, '80', null, undefined, 1e10])('refuses %j', (value) => {
    expect(portProblem(value)).toEqual(expect.any(String));
  });
  it.each([1, 80, 65535])('accepts %j', (value) => {
    expect(portProblem(value)).toBeUndefined();
  });
});

describe('escapeValue', () => {
  it('never returns a control character, cuts long values', () => {
    for (const v of HOSTILE_TEXT) expect(escapeValue(v)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(escapeValue('a\nb')).toBe('a\\nb');
    expect(escapeValue('x\u2028')).toBe('x\\u2028');
    expect(escapeValue('c'.repeat(100), 10)).toBe('cccccccccc...(100 chars)');
  });
});

/** A health entry with one field set to a hostile value, beside a good instance. */
const good = { Node: { Node: 'n1', Address: '10.0.0.1' }, Service: { ID: 'good', Service: 'web', Address: '10.0.0.2', Port: 80, Tags: ['t'], Meta: { weight: '10' } }, Checks: [] };
type Field = 'id' | 'service' | 'node' | 'address' | 'nodeAddress' | 'tag' | 'metaValue' | 'metaKey';
function withHostile(field: Field, value: string) {
  const e = structuredClone(good) as { Node: Record<string, unknown>; Service: Record<string, unknown> };
  e.Service.ID = 'bad';
  if (field === 'id') e.Service.ID = value;
  if (field === 'service') e.Service.Service = value;
  if (field === 'node') e.Node.Node = value;
  if (field === 'address') e.Service.Address = value;
  if (field === 'nodeAddress') (e.Service.Address = ''), (e.Node.Address = value);
  if (field === 'tag') e.Service.Tags = ['ok', value];
  if (field === 'metaValue') e.Service.Meta = { weight: value };
  if (field === 'metaKey') e.Service.Meta = { [value]: '1' };
  return e;
}
const expectedField: Record<Field, RegExp> = {
  id: /^id$/,
  service: /^name$/,
  node: /^node$/,
  address: /^address$/,
  nodeAddress: /^address$/,
  tag: /^tags\[1\]$/,
  metaValue: /^meta\.weight$/,
  metaKey: /^meta key /,
};

describe('normalizeHealth refuses an instance per hostile field, keeps the rest', () => {
  const cases = (Object.keys(expectedField) as Field[]).flatMap((field) =>
    // An empty service address is not refused: the instance listens on its node's address.
    (field.includes('ddress') ? HOSTILE_ADDRESSES : HOSTILE_TEXT).filter((v) => !(field === 'address' && v === '')).map((v) => [field, escapeValue(v, 24), v] as const),
  );
  it.each(cases)('%s = %s', (field, _name, value) => {
    const refused: Array<Omit<Refusal, 'query'>> = [];
    const out = normalizeHealth([withHostile(field, value), good], (r) => refused.push(r));
    expect(out.map((i) => i.id)).toEqual(['good']);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused[0]?.field).toMatch(expectedField[field]);
    // Named, but escaped: no refusal carries a raw control character.
    expect(JSON.stringify(refused)).not.toMatch(/[\u2028\u2029]/);
    for (const r of refused) for (const v of Object.values(r)) expect(v).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
  });

  it.each([0, -1, 65536, 1.5, '80', null])('port %j', (port) => {
    const refused: Array<Omit<Refusal, 'query'>> = [];
    const bad = { ...good, Service: { ...good.Service, ID: 'bad', Port: port } };
    expect(normalizeHealth([bad, good], (r) => refused.push(r)).map((i) => i.id)).toEqual(['good']);
    expect(refused).toEqual([{ service: 'web', instance: 'bad', field: 'port', reason: expect.any(String) }]);
  });

  it('tags and meta of the wrong type, too many tags', () => {
    const refused: string[] = [];
    const bad = (svc: Record<string, unknown>) => ({ ...good, Service: { ...good.Service, ID: 'bad', ...svc } });
    const out = normalizeHealth([bad({ Tags: 'x' }), bad({ Meta: ['x'] }), bad({ Tags: Array.from({ length: 300 }, (_, i) => `t${i}`) }), good], (r) => refused.push(r.field));
    expect(out.map((i) => i.id)).toEqual(['good']);
    expect(refused).toEqual(['tags', 'meta', 'tags']);
  });
});

describe('the other normalizers refuse per entry', () => {
  it.each(HOSTILE_TEXT.map((v) => [escapeValue(v, 24), v]))('catalog service name or tag %s', (_name, value) => {
    const refused: Array<Omit<Refusal, 'query'>> = [];
    const out = normalizeCatalogServices({ web: ['a'], [value]: [], api: ['ok', value] }, (r) => refused.push(r));
    expect(out.map((s) => s.name)).toEqual(['web']);
    expect(refused.map((r) => r.field.replace(/\[\d+\]/, '[]')).sort()).toEqual(['name', 'tags[]']);
  });

  it.each(HOSTILE_TEXT.map((v) => [escapeValue(v, 24), v]))('kv value %s', (_name, value) => {
    const refused: Array<Omit<Refusal, 'query'>> = [];
    expect(normalizeKvGet({ Key: 'cfg/x', Value: value }, (r) => refused.push(r))).toBeNull();
    expect(refused).toEqual([{ key: 'cfg/x', field: 'value', reason: expect.any(String) }]);
    const tree = normalizeKvTree('cfg', [{ Key: 'cfg/a', Value: '1' }, { Key: 'cfg/b', Value: value }, { Key: `cfg/${value}`, Value: '2' }], (r) => refused.push(r));
    expect(tree).toEqual([{ key: 'a', path: 'cfg/a', value: '1' }]);
    expect(refused.slice(1).map((r) => r.field)).toEqual(expect.arrayContaining(['value', 'key']));
  });

  it('a catalog service no (service name) could ask for is left out', () => {
    const refused: string[] = [];
    expect(normalizeCatalogServices({ '..': [], '.': [], web: [] }, (r) => refused.push(`${r.service}:${r.field}`)).map((s) => s.name)).toEqual(['web']);
    expect(refused).toEqual(['.:name', '..:name']);
  });

  it('agent self: a hostile node name or address answers empty', () => {
    const refused: string[] = [];
    expect(normalizeAgentSelf({ Config: { NodeName: 'n\nglobal' }, Member: { Addr: '10.0.0.1 backup' } }, (r) => refused.push(r.field))).toEqual({ name: '', address: '' });
    expect(refused).toEqual(['node.name', 'node.address']);
  });
});

describe('a naive template cannot be injected', () => {
  const NAIVE = 'backend web\n{{#each (service "web")}}  server {{id}} {{address}}:{{port}} weight {{meta.weight}}\n{{/each}}  # {{keyOrDefault "cfg/note" "none"}}\n';
  const GOOD_LINE = '  server good 10.0.0.2:80 weight 10';
  const fields: Field[] = ['id', 'service', 'node', 'address', 'nodeAddress', 'tag', 'metaValue'];
  const hostileEntries = fields.flatMap((field) =>
    HOSTILE_TEXT.map((v, i) => {
      const e = withHostile(field, v) as { Service: Record<string, unknown> };
      if (field !== 'id') e.Service.ID = `bad-${field}-${i}`;
      return e;
    }),
  );
  const expectOnlyGood = (out: string | undefined) => {
    expect(out).toBe(`backend web\n${GOOD_LINE}\n  # none\n`);
  };

  it(`through the Consul normalizer (${hostileEntries.length} hostile instances, a hostile KV value)`, () => {
    const refused: unknown[] = [];
    const values = new Map<string, unknown>([
      [healthServiceQuery('web').id, normalizeHealth([...hostileEntries, good], (r) => refused.push(r))],
      [kvGetQuery('cfg/note').id, normalizeKvGet({ Key: 'cfg/note', Value: 'x\nglobal' }, (r) => refused.push(r))],
    ]);
    const result = renderTree([{ path: 'web.cfg.hbs', data: Buffer.from(NAIVE) }], new MapDataView(values));
    expect(result.errors).toEqual([]);
    expectOnlyGood(result.files[0]?.data.toString());
    expect(refused.length).toBeGreaterThanOrEqual(hostileEntries.length + 1);
  });

  it('through a catalog fixture (apictl validate): the same values are left out', () => {
    const refused: unknown[] = [];
    const services: CatalogFixture['services'] = {
      web: [
        { id: 'good', node: 'n1', address: '10.0.0.2', port: 80, meta: { weight: '10' } },
        ...HOSTILE_TEXT.flatMap((v, i) => [
          { id: v, address: '10.0.0.3', port: 80, meta: { weight: '1' } },
          { id: `a${i}`, address: `10.0.0.3${v}`, port: 80, meta: { weight: '1' } },
          { id: `t${i}`, address: '10.0.0.3', port: 80, tags: [v], meta: { weight: '1' } },
          { id: `m${i}`, address: '10.0.0.3', port: 80, meta: { weight: v } },
          { id: `n${i}`, node: v, address: '10.0.0.3', port: 80, meta: { weight: '1' } },
        ]),
        { id: 'p', address: '10.0.0.3', port: 0, meta: { weight: '1' } },
      ],
    };
    const view = fixtureDataView({ services, kv: { 'cfg/note': 'x\nglobal' } }, { onRefused: (r) => refused.push(r) });
    const result = renderTree([{ path: 'web.cfg.hbs', data: Buffer.from(NAIVE) }], view);
    expect(result.errors).toEqual([]);
    expectOnlyGood(result.files[0]?.data.toString());
    expect(refused).toContainEqual({ query: 'kv.get(cfg%2Fnote)', key: 'cfg/note', field: 'value', reason: expect.stringContaining('U+000A') });
    expect(refused).toContainEqual({ query: 'health.service(web)', service: 'web', instance: 'p', field: 'port', reason: expect.any(String) });
  });
});
