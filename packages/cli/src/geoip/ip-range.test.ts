import { describe, expect, it } from 'vitest';
import { formatIp, parseCidr, parseIp, rangeToCidrs } from './ip-range.js';

describe('parseIp / formatIp', () => {
  it.each([
    ['1.2.3.4', 4, 0x01020304n, '1.2.3.4'],
    ['255.255.255.255', 4, 0xffffffffn, '255.255.255.255'],
    ['::', 6, 0n, '::'],
    ['::1', 6, 1n, '::1'],
    ['2001:DB8::', 6, 0x20010db8n << 96n, '2001:db8::'],
    ['2001:db8:0:0:1:0:0:1', 6, (0x20010db8n << 96n) | (1n << 48n) | 1n, '2001:db8::1:0:0:1'],
    ['::ffff:1.2.3.4', 6, 0xffff01020304n, '::ffff:102:304'],
    ['1:2:3:4:5:6:7:8', 6, 0x00010002000300040005000600070008n, '1:2:3:4:5:6:7:8'],
  ] as const)('%s', (text, family, value, canonical) => {
    expect(parseIp(text)).toEqual({ family, value });
    expect(formatIp(family, value)).toBe(canonical);
  });

  it.each(['1.2.3', '1.2.3.256', '01.2.3.4x', 'fe80::1%eth0', '1::2::3', '', ' 1.2.3.4', '1.2.3.4/32'])('refuses %j', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });
});

describe('parseCidr', () => {
  it.each([
    ['10.0.0.0/8', { family: 4, start: 0x0a000000n, end: 0x0affffffn }],
    ['1.2.3.4/32', { family: 4, start: 0x01020304n, end: 0x01020304n }],
    ['0.0.0.0/0', { family: 4, start: 0n, end: 0xffffffffn }],
    ['2001:db8::/32', { family: 6, start: 0x20010db8n << 96n, end: (0x20010db8n << 96n) | ((1n << 96n) - 1n) }],
  ] as const)('%s', (text, range) => expect(parseCidr(text)).toEqual(range));

  it.each(['10.0.0.1/8', '10.0.0.0/33', '2001:db8::/129', '10.0.0.0', '10.0.0.0/', 'x/8', '10.0.0.0/8 KP', '10.0.0.0/8\nglobal'])('refuses %j', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });
});

describe('rangeToCidrs', () => {
  const v4 = (a: string, b: string) => ({ family: 4 as const, start: parseIp(a)!.value, end: parseIp(b)!.value });
  it.each([
    [v4('10.0.0.0', '10.0.0.255'), ['10.0.0.0/24']],
    [v4('10.0.0.1', '10.0.0.1'), ['10.0.0.1/32']],
    [v4('10.0.0.1', '10.0.0.6'), ['10.0.0.1/32', '10.0.0.2/31', '10.0.0.4/31', '10.0.0.6/32']],
    [v4('0.0.0.0', '255.255.255.255'), ['0.0.0.0/0']],
    [v4('1.0.0.0', '1.0.3.255'), ['1.0.0.0/22']],
    [{ family: 6 as const, start: 0n, end: 1n }, ['::/127']],
    [{ family: 6 as const, start: 0x20010db8n << 96n, end: (0x20010db9n << 96n) - 1n }, ['2001:db8::/32']],
  ])('%#', (range, cidrs) => {
    expect(rangeToCidrs(range)).toEqual(cidrs);
  });
});
