import { describe, expect, it } from 'vitest';
import { parseConfigText } from '@api-server/haproxy';
import { duplicateProxies, emptyRenders, idleCloseOnResponse } from './lint.js';

const sections = (files: Record<string, string>) => Object.entries(files).flatMap(([f, t]) => parseConfigText(f, t));

describe('duplicateProxies', () => {
  it.each([
    [{ 'a.cfg': 'backend web\n', 'b.cfg': 'backend web\n' }, ['b.cfg:1']],
    [{ 'a.cfg': 'frontend web\n', 'b.cfg': 'backend web\n' }, []],
    [{ 'a.cfg': 'listen web\n', 'b.cfg': 'backend web\n' }, ['b.cfg:1']],
    [{ 'a.cfg': 'frontend f\nbackend b\nfrontend f\n' }, ['a.cfg:3']],
    [{ 'a.cfg': 'peers p\n', 'b.cfg': 'peers p\n' }, []],
  ])('%j', (files, want) => {
    expect(duplicateProxies(sections(files)).map((d) => `${d.file}:${d.line}`)).toEqual(want);
  });
});

describe('idleCloseOnResponse', () => {
  it.each([
    ['defaults without it warns once, not again per frontend', 'defaults\n mode http\nfrontend f\n bind :80\n', ['LINT_IDLE_CLOSE@1']],
    ['defaults with it covers frontends', 'defaults\n mode http\n option idle-close-on-response\nfrontend f\n bind :80\n', []],
    ['a frontend that negates it warns', 'defaults\n mode http\n option idle-close-on-response\nfrontend f\n no option idle-close-on-response\n', ['LINT_IDLE_CLOSE@4']],
    ['tcp frontends are fine', 'defaults\n mode tcp\nfrontend f\n bind :5432\n', []],
    ['an http frontend without defaults warns', 'frontend f\n mode http\n', ['LINT_IDLE_CLOSE@1']],
    ['a frontend setting it itself is fine', 'frontend f\n mode http\n option idle-close-on-response\n', []],
    ['a tcp frontend negating the http defaults is fine', 'defaults\n mode http\n option idle-close-on-response\nfrontend pg\n mode tcp\n no option idle-close-on-response\n', []],
  ])('%s', (_, text, want) => {
    expect(idleCloseOnResponse(sections({ 'a.cfg': text })).map((d) => `${d.code}@${d.line}`)).toEqual(want);
  });
});

describe('emptyRenders', () => {
  it('flags .cfg outputs of templates that are blank only', () => {
    const f = (path: string, template: string | null, text: string) => ({ path, template, data: Buffer.from(text) });
    const found = emptyRenders([f('a.cfg', 'a.cfg.hbs', ' \n\n'), f('b.cfg', 'b.cfg.hbs', '# comment\n'), f('c.cfg', null, ''), f('d.map', 'd.map.hbs', '')]);
    expect(found.map((d) => d.file)).toEqual(['a.cfg.hbs']);
  });
});
