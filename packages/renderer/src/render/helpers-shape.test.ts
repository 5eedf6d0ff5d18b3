import { describe, expect, it } from 'vitest';
import { fixtureDataView } from '../data-view.js';
import { haproxyId } from './helpers-format.js';
import { renderTree } from './render-tree.js';

const view = fixtureDataView({});
const render = (src: string) => renderTree([{ path: 't.hbs', data: Buffer.from(src) }], view);
const text = (src: string) => {
  const result = render(src);
  if (result.errors.length) throw result.errors[0];
  return result.files[0]?.data.toString();
};

describe('int', () => {
  it.each([
    ['int "5"', '5'],
    ['int 7', '7'],
    ['int "-3"', '-3'],
    ['int "1 check-ssl" 1', '1'],
    ['int "1\\nx" 1', '1'],
    ['int "" 10', '10'],
    ['int "0x10" 2', '2'],
    ['int "1e3" 2', '2'],
    ['int "300" 100 min=0 max=256', '100'],
    ['int "256" 100 min=0 max=256', '256'],
    ['int "-1" 0 min=0', '0'],
  ])('{{%s}} -> %s', (expr, expected) => {
    expect(text(`{{${expr}}}`)).toBe(expected);
  });
  it.each([
    ['{{int "1 check-ssl"}}', /int: argument 1 must be an integer, got "1 check-ssl"/],
    ['{{int "x" "y"}}', /argument 2 \(fallback\) must itself be an integer/],
    ['{{int "1" 1 min="0"}}', /option min= must be an integer/],
    ['{{int "1" 1 lo=0}}', /unknown option lo=/],
    ['{{int}}', /expected 1 to 2 argument/],
  ])('%s fails with its line', (src, message) => {
    const result = render(`\n${src}`);
    expect(result.errors[0]).toMatchObject({ code: 'TEMPLATE_HELPER', context: { line: 2 } });
    expect(result.errors[0]?.message).toMatch(message);
  });
});

describe('haproxyArg', () => {
  it.each(['10', 'none', 'h2,http/1.1', 'a:b@c', '/etc/haproxy/ca.pem', 'x[1]'])('passes %s', (value) => {
    expect(text(`{{haproxyArg ${JSON.stringify(value)}}}`)).toBe(value);
  });
  it.each(['1 check-ssl', '1#x', 'a"b', "a'b", 'a\\b', '${HOME}', 'a;b', '%[src]', '', 'a\tb', 'é', 'x'.repeat(257)])('refuses %j (fallback renders)', (value) => {
    expect(text(`{{haproxyArg ${JSON.stringify(value)} "safe"}}`)).toBe('safe');
    const result = render(`{{haproxyArg ${JSON.stringify(value)}}}`);
    expect(result.errors[0]).toMatchObject({ code: 'TEMPLATE_HELPER', context: { line: 1 } });
    expect(result.errors[0]?.message).not.toMatch(/[\t\n]/);
  });
});

describe('haproxyId: deterministic, collision-free', () => {
  it.each(['web-1', 'web_1', 'web.1', 'a:b', 'A-Z_0.9', '_'])('a clean value is unchanged: %s', (value) => {
    expect(haproxyId(value)).toBe(value);
  });
  it.each([
    ['a b', 'a_b'],
    ['web.1', 'web/1'],
    ['web_1', 'web 1'],
    ['', '_'],
    ['a b', 'a@b'],
    ['x', 'x__2d711642'],
    ['a_b__c8687a08', 'a b'],
    ['é', '_'],
    ['ü', 'ö'],
  ])('%j and %j differ', (a, b) => {
    expect(haproxyId(a)).not.toBe(haproxyId(b));
    expect(haproxyId(a)).toMatch(/^[A-Za-z0-9_.:-]+$/);
    expect(haproxyId(b)).toMatch(/^[A-Za-z0-9_.:-]+$/);
  });
  it('stable across calls, and distinct over many look-alike inputs', () => {
    expect(haproxyId('a b')).toBe('a_b__c8687a08');
    const inputs = new Set<string>();
    for (const sep of ['', ' ', '_', '.', '/', '@', '-', '#', 'é', ':']) for (let i = 0; i < 50; i++) inputs.add(`web${sep}${i}`);
    const outputs = new Set([...inputs].map(haproxyId));
    expect(outputs.size).toBe(inputs.size);
  });
});

describe('HELPER_NAMES', () => {
  it('lists the sandbox, format, shape and data helpers', async () => {
    const { HELPER_NAMES } = await import('./helper-names.js');
    expect(HELPER_NAMES).toEqual(expect.arrayContaining(['each', 'lookup', 'log', 'haproxyId', 'int', 'haproxyArg', 'service', 'key', 'tree', 'node']));
  });
});
