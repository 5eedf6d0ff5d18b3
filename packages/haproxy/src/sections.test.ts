import { describe, expect, it } from 'vitest';
import { configWords, normalize, parseConfigText } from './sections.js';
import { parseSections } from './parsed-files.js';

const f = (path: string, text: string) => ({ path, data: Buffer.from(text, 'utf8') });

describe('normalize', () => {
  it.each([
    ['  server a 10.0.0.1:80   check  # comment', 'server a 10.0.0.1:80 check'],
    ['# only a comment', ''],
    ['http-request return string "a  #b" # c', 'http-request return string "a  #b"'],
    ['acl x path_reg a#b', 'acl x path_reg a#b'],
    ['\tbalance\troundrobin', 'balance roundrobin'],
  ])('%j', (raw, expected) => {
    expect(normalize(raw)).toBe(expected);
  });
});

describe('parseSections', () => {
  it('splits files in load order, servers of backends apart', () => {
    const sections = parseSections([
      f('50-b.cfg', 'backend b\n  balance roundrobin\n  server b1 10.0.0.1:80 check\n'),
      f('10-a.cfg', '# header\nfrontend a\n  bind :80\n  default_backend b\npeers p\n  server n1 10.0.0.9:1024\n'),
      f('maps/not-loaded.cfg', 'backend z\n'),
    ]);
    expect(sections.map((s) => [s.file, s.kind, s.name, s.body, s.servers.map((x) => [x.name, x.address, x.args])])).toEqual([
      ['10-a.cfg', 'frontend', 'a', ['bind :80', 'default_backend b'], []],
      ['10-a.cfg', 'peers', 'p', ['server n1 10.0.0.9:1024'], []],
      ['50-b.cfg', 'backend', 'b', ['balance roundrobin'], [['b1', '10.0.0.1:80', ['check']]]],
    ]);
    expect(sections[2]!.servers[0]).toMatchObject({ file: '50-b.cfg', line: 3 });
  });

  it.each([
    ['conditional blocks', 'backend b\n.if defined(X)\n  server b1 10.0.0.1:80\n.endif\n'],
    ['quoted server line', 'backend b\n  server b1 10.0.0.1:80 agent-send "x y"\n'],
    ['variable', 'backend b\n  server b1 ${ADDR}:80\n'],
  ])('%s: server lines stay in the body', (_name, text) => {
    const [section] = parseSections([f('50-b.cfg', text)]);
    expect(section!.servers).toEqual([]);
    expect(section!.body.some((l) => l.startsWith('server b1'))).toBe(true);
  });
});

// Moved from apictl's former section reader: one parser serves its lints too.
describe('configWords', () => {
  it.each([
    ['  server a 1.2.3.4:80 # comment', ['server', 'a', '1.2.3.4:80']],
    ['http-request return string "a # b" if x', ['http-request', 'return', 'string', 'a # b', 'if', 'x']],
    ["acl x path_beg '/a b'", ['acl', 'x', 'path_beg', '/a b']],
    ['   # only a comment', []],
  ])('%j', (line, words) => expect(configWords(line)).toEqual(words));
});

describe('parseConfigText', () => {
  it('keeps words, lines and columns for lints and the policy, and a pseudo-section for lines before any header', () => {
    const sections = parseConfigText('20-x.cfg', 'maxconn 10\r\nfrontend  f # c\n    http-request set-header X "a b"\n');
    expect(sections.map((s) => [s.kind, s.name, s.line, s.column, s.lines.map((l) => [l.line, l.column, l.words])])).toEqual([
      ['', '', 1, 1, [[1, 1, ['maxconn', '10']]]],
      ['frontend', 'f', 2, 1, [[3, 5, ['http-request', 'set-header', 'X', 'a b']]]],
    ]);
  });
});
