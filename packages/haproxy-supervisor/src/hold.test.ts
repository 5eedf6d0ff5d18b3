import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, GLOBAL_FILE, parseDiagnostics, parseSections } from '@api-server/haproxy';
import { heldChanges } from './held-record.js';
import { blame, substituteHeld, type Hold } from './hold.js';

const f = (path: string, text: string) => ({ path, data: Buffer.from(text, 'utf8') });
const text = (files: ReadonlyArray<{ path: string; data: Uint8Array }>) => Object.fromEntries(files.map((x) => [x.path, Buffer.from(x.data).toString('utf8')]));
const hold = (file: string, extra: Partial<Hold> = {}): [string, Hold] => [file, { file, code: 'HAPROXY_CHECK', reason: 'x', line: 1, ...extra }];

describe('substituteHeld', () => {
  const rendered = [f('20-http.cfg', 'frontend f\n'), f('50-a.cfg', 'backend a-new\n'), f('50-b.cfg', 'backend b\n'), f('50-new.cfg', 'backend n\n')];
  const live = [f('20-http.cfg', 'frontend f\n'), f('50-a.cfg', 'backend a-old\n'), f('50-evil.cfg', 'backend e\n')];
  it.each([
    ['nothing held: rendered plus global', [], { '50-a.cfg': 'backend a-new\n' }, {}],
    ['held with a live copy: the live copy runs', [hold('50-a.cfg')], { '50-a.cfg': 'backend a-old\n' }, { '50-a.cfg': 'live' }],
    ['held, never live: left out', [hold('50-new.cfg')], { '50-new.cfg': undefined }, { '50-new.cfg': 'none' }],
    ['held, live copy failed too: left out', [hold('50-a.cfg', { omit: true })], { '50-a.cfg': undefined }, { '50-a.cfg': 'none' }],
  ])('%s', (_name, holds, expectFiles, expectRuns) => {
    const out = substituteHeld({ rendered, live, holds: new Map(holds as Array<[string, Hold]>), policy: DEFAULT_POLICY, globalText: 'global\n' });
    const files = text(out.files);
    for (const [path, want] of Object.entries(expectFiles)) expect(files[path]).toBe(want);
    expect(files[GLOBAL_FILE]).toBe('global\n');
    expect(files['50-b.cfg']).toBe('backend b\n');
    expect(Object.fromEntries(out.runs)).toEqual(expectRuns);
  });

  it('a live copy that breaks the current policy is left out', () => {
    const out = substituteHeld({ rendered: [f('50-x.cfg', 'program p\n')], live: [f('50-x.cfg', 'frontend old\n')], holds: new Map([hold('50-x.cfg')]), policy: DEFAULT_POLICY, globalText: '' });
    expect(out.runs.get('50-x.cfg')).toBe('none');
    expect(out.files.map((x) => x.path)).toEqual([GLOBAL_FILE]);
  });
});

describe('blame', () => {
  const files = [f('20-http.cfg', 'frontend http\n  default_backend nope\n'), f('50-a.cfg', 'backend a\n  balanse x\n')];
  const rendered = new Set(files.map((x) => x.path));
  it.each([
    ['an alert with file and line', "[ALERT] (1) : config : parsing [/d/50-a.cfg:2] : unknown keyword 'balanse' in 'backend' section\n[ALERT] (1) : config : Fatal errors found in configuration.\n", ['50-a.cfg:2']],
    ['an alert naming only a proxy', "[ALERT] (1) : config : Proxy 'http': unable to find required default_backend: 'nope'.\n", ['20-http.cfg:1']],
    ['the supervisor global file is not blamable', "[ALERT] (1) : config : parsing [/d/0-haproxy-supervisor.cfg:3] : bad\n", []],
    ['no location at all', '[ALERT] (1) : config : something odd\n', []],
  ])('%s', (_name, output, expected) => {
    expect(blame(parseDiagnostics(output, ['/d']), parseSections(files), rendered).map((h) => `${h.file}:${h.line}`)).toEqual(expected);
  });
});

describe('heldChanges', () => {
  const h = (file: string, reason = 'x', runs: 'live' | 'none' = 'live') => ({ file, template: null, since: 't', code: 'HAPROXY_CHECK', reason, line: 1, runs });
  it.each([
    ['nothing before, one now', [], [h('a')], ['a'], []],
    ['same hold again: no change', [h('a')], [h('a')], [], []],
    ['another reason', [h('a')], [h('a', 'y')], ['a'], []],
    ['its live copy now left out', [h('a')], [h('a', 'x', 'none')], ['a'], []],
    ['fixed', [h('a'), h('b')], [h('b')], [], ['a']],
  ])('%s', (_name, before, after, changed, cleared) => {
    const out = heldChanges(before, after);
    expect(out.changed.map((x) => x.file)).toEqual(changed);
    expect(out.cleared).toEqual(cleared);
  });
});
