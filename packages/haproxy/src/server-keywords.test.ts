import { describe, expect, it } from 'vitest';
import { parseIpAddress, toRuntimeServer } from './server-keywords.js';

describe('parseIpAddress', () => {
  it.each([
    ['10.0.0.1:8080', { host: '10.0.0.1', port: 8080 }],
    ['[fd00::1]:443', { host: 'fd00::1', port: 443 }],
    ['ipv4@10.0.0.1:80', { host: '10.0.0.1', port: 80 }],
    ['web.local:80', null],
    ['10.0.0.1', null],
    ['10.0.0.1:+100', null],
    ['300.0.0.1:80', null],
    ['10.0.0.1:0', null],
  ])('%s', (addr, expected) => {
    expect(parseIpAddress(addr)).toEqual(expected);
  });
});

describe('toRuntimeServer', () => {
  const DEFAULTS = ['init-addr', 'last,libc,none', 'check', 'inter', '2s', 'fall', '2', 'rise', '2'];
  it('applies default-server keywords itself (dynamic servers ignore them), drops init-addr', () => {
    expect(toRuntimeServer('10.0.0.1:80', DEFAULTS, ['weight', '10', 'inter', '5s'])).toEqual({
      host: '10.0.0.1',
      port: 80,
      weight: 10,
      disabled: false,
      args: ['check', 'fall', '2', 'rise', '2', 'weight', '10', 'inter', '5s'],
      fixed: 'check fall=2 inter=5s rise=2',
      check: true,
      agent: false,
    });
  });
  it.each([
    ['a name', 'web.local:80', [], /not an IP literal/],
    ['cookie', '10.0.0.1:80', ['cookie', 'x'], /"cookie" cannot be set/],
    ['no-check', '10.0.0.1:80', ['no-check'], /"no-check"/],
    ['weight too high', '10.0.0.1:80', ['weight', '300'], /between 0 and 256/],
    ['relative crt', '10.0.0.1:80', ['ssl', 'crt', 'certs/x.pem'], /relative path/],
    ['value missing', '10.0.0.1:80', ['inter'], /no value/],
  ])('refuses %s', (_name, addr, own, reason) => {
    expect(toRuntimeServer(addr, [], own)).toMatch(reason);
  });
  it('disabled/enabled: the last one wins', () => {
    expect(toRuntimeServer('10.0.0.1:80', ['disabled'], ['enabled'])).toMatchObject({ disabled: false });
    expect(toRuntimeServer('10.0.0.1:80', [], ['disabled'])).toMatchObject({ disabled: true });
  });
});
