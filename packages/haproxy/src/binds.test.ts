import { describe, expect, it } from 'vitest';
import { newBinds, parseAddress, parseBinds } from './binds.js';

const f = (path: string, text: string) => ({ path, data: Buffer.from(text, 'utf8') });

describe('parseAddress', () => {
  it.each([
    ['127.0.0.1:80', { host: '127.0.0.1', port: 80 }],
    [':8080', { host: '', port: 8080 }],
    ['*:8080', { host: '', port: 8080 }],
    ['[::1]:443', { host: '::1', port: 443 }],
    ['ipv6@::1:443', { host: '::1', port: 443 }],
    ['ipv4@0.0.0.0:80', { host: '0.0.0.0', port: 80 }],
    ['"127.0.0.1:80"', { host: '127.0.0.1', port: 80 }],
    ['unix@/run/x.sock', undefined],
    ['/run/x.sock', undefined],
    ['abns@foo', undefined],
    ['fd@3', undefined],
    ['quic4@:443', undefined],
    [':8000-8010', undefined],
    ['${BIND}', undefined],
    ['127.0.0.1:0', undefined],
  ])('%s', (spec, expected) => {
    expect(parseAddress(spec)).toEqual(expected);
  });
});

describe('parseBinds', () => {
  it('reads every address of every top-level cfg, with location', () => {
    const files = [
      f('50-web.cfg', 'frontend web\n  bind 127.0.0.1:80,127.0.0.1:81 ssl crt x.pem\n  default_backend b\n'),
      f('maps/x.cfg', '  bind :9\n'),
      f('notes.txt', '  bind :10\n'),
    ];
    expect(parseBinds(files)).toEqual([
      { file: '50-web.cfg', line: 2, text: 'bind 127.0.0.1:80,127.0.0.1:81 ssl crt x.pem', host: '127.0.0.1', port: 80 },
      { file: '50-web.cfg', line: 2, text: 'bind 127.0.0.1:80,127.0.0.1:81 ssl crt x.pem', host: '127.0.0.1', port: 81 },
    ]);
  });
});

describe('newBinds', () => {
  const live = [f('50-web.cfg', 'frontend a\n  bind :80\n')];
  it.each([
    ['same port: not new', [f('50-web.cfg', 'frontend a\n  bind 127.0.0.1:80\n')], []],
    ['another port: new', [f('50-web.cfg', 'frontend a\n  bind :80\nfrontend b\n  bind :81\n')], [81]],
  ])('%s', (_name, candidate, ports) => {
    expect(newBinds(live, candidate).map((b) => b.port)).toEqual(ports);
  });
  it('no live version: all new', () => {
    expect(newBinds(null, live).map((b) => b.port)).toEqual([80]);
  });
});
