import { describe, expect, it } from 'vitest';
import { locate, readManifest } from './manifest.js';

const enc = (s: string) => Buffer.from(s, 'utf8');
const manifestFile = {
  path: 'manifest.json',
  data: enc(JSON.stringify({ templates: 't1', files: [{ path: '50-web.cfg', template: '50-web.cfg.hbs' }, { path: 'maps/hosts.map', template: null }], dependencies: [] })),
};
const web = { path: '50-web.cfg', data: enc('backend be\n  foo bar\n  server s1 127.0.0.1:1\n') };

describe('readManifest', () => {
  it.each([
    ['valid', [manifestFile], { templates: 't1', files: [{ path: '50-web.cfg', template: '50-web.cfg.hbs' }, { path: 'maps/hosts.map', template: null }] }],
    ['missing', [web], null],
    ['not json', [{ path: 'manifest.json', data: enc('{') }], null],
    ['wrong shape', [{ path: 'manifest.json', data: enc('{"files": 3}') }], null],
  ])('%s', (_name, files, expected) => {
    expect(readManifest(files)).toEqual(expected);
  });
});

describe('locate', () => {
  const files = [manifestFile, web];
  it.each([
    ['file, template and text', { level: 'alert' as const, message: 'x', file: '50-web.cfg', line: 2 }, { file: '50-web.cfg', template: '50-web.cfg.hbs', line: 2, text: 'foo bar' }],
    ['file not in manifest', { level: 'alert' as const, message: 'x', file: '99-other.cfg', line: 1 }, { file: '99-other.cfg', template: null, line: 1, text: null }],
    ['line past the end', { level: 'alert' as const, message: 'x', file: '50-web.cfg', line: 99 }, { file: '50-web.cfg', template: '50-web.cfg.hbs', line: 99, text: null }],
    ['no location', { level: 'alert' as const, message: 'x' }, { file: null, template: null, line: null, text: null }],
  ])('%s', (_name, diag, expected) => {
    expect(locate(diag, files, readManifest(files))).toEqual(expected);
  });
});
