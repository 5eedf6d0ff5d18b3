import { describe, expect, it } from 'vitest';
import { diffLines, diffTrees, unifiedDiff } from './unified-diff.js';

const apply = (edits: ReturnType<typeof diffLines>) => ({
  a: edits.filter((e) => e.op !== '+').map((e) => e.text),
  b: edits.filter((e) => e.op !== '-').map((e) => e.text),
});

describe('diffLines', () => {
  it.each([
    [[], []],
    [['a'], []],
    [[], ['a']],
    [['a', 'b', 'c'], ['a', 'b', 'c']],
    [['a', 'b', 'c', 'a', 'b', 'b', 'a'], ['c', 'b', 'a', 'b', 'a', 'c']],
    [['x', 'y'], ['y', 'x']],
  ])('%j -> %j reproduces both sides', (a, b) => {
    const edits = diffLines(a, b);
    expect(apply(edits)).toEqual({ a, b });
    // Myers gives a shortest edit script: ABCABBA -> CBABAC needs 5 edits.
    if (a.length === 7) expect(edits.filter((e) => e.op !== ' ').length).toBe(5);
  });

  it('reproduces random inputs', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let n = 0; n < 200; n++) {
      const a = Array.from({ length: Math.floor(rnd() * 12) }, () => 'abc'[Math.floor(rnd() * 3)]!);
      const b = Array.from({ length: Math.floor(rnd() * 12) }, () => 'abc'[Math.floor(rnd() * 3)]!);
      expect(apply(diffLines(a, b))).toEqual({ a, b });
    }
  });
});

describe('unifiedDiff', () => {
  it('prints hunks with context like diff -u', () => {
    const before = ['backend web', '    mode http', '    server a 10.0.0.1:80', '    server b 10.0.0.2:80', '', 'backend api', '    mode http', '    server c 10.0.0.3:80', ''].join('\n');
    const after = before.replace('server b 10.0.0.2:80', 'server b 10.0.0.9:80');
    expect(unifiedDiff('50-web.cfg', before, after, 1)).toBe(
      ['--- a/50-web.cfg', '+++ b/50-web.cfg', '@@ -3,3 +3,3 @@', '     server a 10.0.0.1:80', '-    server b 10.0.0.2:80', '+    server b 10.0.0.9:80', ' ', ''].join('\n'),
    );
  });
  it('is empty for equal text and marks added and removed files', () => {
    expect(unifiedDiff('x', 'a\n', 'a\n')).toBe('');
    expect(unifiedDiff('x', null, 'a\n')).toBe('--- /dev/null\n+++ b/x\n@@ -0,0 +1,1 @@\n+a\n');
    expect(unifiedDiff('x', 'a\n', null)).toBe('--- a/x\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-a\n');
  });
  it('splits distant changes into separate hunks', () => {
    const a = Array.from({ length: 20 }, (_, i) => `l${i}`);
    const b = [...a];
    b[2] = 'X';
    b[17] = 'Y';
    const out = unifiedDiff('f', `${a.join('\n')}\n`, `${b.join('\n')}\n`);
    expect(out.match(/^@@/gm)).toHaveLength(2);
    expect(out).toContain('@@ -1,6 +1,6 @@');
    expect(out).toContain('@@ -15,6 +15,6 @@');
  });
});

describe('diffTrees', () => {
  it('lists changed paths in order', () => {
    const { changed } = diffTrees(new Map([['a', '1\n'], ['b', '2\n']]), new Map([['b', '3\n'], ['c', '4\n']]));
    expect(changed).toEqual(['a', 'b', 'c']);
  });
});
