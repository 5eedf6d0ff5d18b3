import { describe, expect, it } from 'vitest';
import { diffObjects, normalizeEtag, planTree, type CachedFile, type ListedObject } from './plan.js';

const limits = { maxObjectBytes: 100, maxObjects: 3 };
const obj = (key: string, size = 1, etag = `"${key}"`): ListedObject => ({ key, etag, size });

describe('planTree', () => {
  it('maps keys to sorted paths and drops folder markers', () => {
    const planned = planTree([obj('p/b.cfg'), obj('p/dir/', 0), obj('p/a/x.map')], 'p/', limits);
    expect(planned.map((p) => p.path)).toEqual(['a/x.map', 'b.cfg']);
    expect(planned[0]).toMatchObject({ key: 'p/a/x.map', etag: '"p/a/x.map"', size: 1 });
  });

  it.each([
    ['an unsafe key', [obj('p/ok'), obj('p/../escape')], 'UNSAFE_KEY', 'p/../escape'],
    ['an object over the size limit', [obj('p/big', 101)], 'OBJECT_TOO_LARGE', 'p/big'],
    ['more objects than the limit', [obj('p/1'), obj('p/2'), obj('p/3'), obj('p/4')], 'TREE_TOO_LARGE', 'p/'],
    ['a path that is file and directory', [obj('p/a'), obj('p/a/b')], 'KEY_CONFLICT', 'p/a'],
  ])('refuses %s', (_what, objects, code, key) => {
    expect(() => planTree(objects, 'p/', limits)).toThrow();
    try {
      planTree(objects, 'p/', limits);
    } catch (err) {
      expect(err).toMatchObject({ code, context: { key } });
      expect((err as Error).message).toContain(JSON.stringify(key));
    }
  });

  it('accepts an object exactly at the size limit and a tree exactly at the count limit', () => {
    expect(planTree([obj('p/1', 100), obj('p/2'), obj('p/3'), obj('p/dir/', 0)], 'p/', limits)).toHaveLength(3);
  });
});

describe('diffObjects', () => {
  const bytes = (s: string) => Buffer.from(s);
  const cache = new Map<string, CachedFile>([
    ['a.cfg', { etag: '"aaa"', data: bytes('A') }],
    ['b.cfg', { etag: '"bbb"', data: bytes('B') }],
    ['c.cfg', { etag: 'ccc', data: bytes('CC') }],
  ]);
  const planned = (path: string, etag: string, size: number) => ({ key: `releases/r2/${path}`, path, etag, size });

  it.each([
    ['same path and ETag: reuse', [planned('a.cfg', '"aaa"', 1)], [], ['a.cfg']],
    ['changed ETag: download', [planned('a.cfg', '"zzz"', 1)], ['a.cfg'], []],
    ['new path: download', [planned('new.cfg', '"aaa"', 1)], ['new.cfg'], []],
    ['same ETag, other size: download', [planned('b.cfg', '"bbb"', 5)], ['b.cfg'], []],
    ['ETag quoting and case do not matter', [planned('c.cfg', '"CCC"', 2)], [], ['c.cfg']],
    [
      'a mix: only the changed one',
      [planned('a.cfg', '"aaa"', 1), planned('b.cfg', '"b2"', 1), planned('c.cfg', '"ccc"', 2)],
      ['b.cfg'],
      ['a.cfg', 'c.cfg'],
    ],
  ])('%s', (_what, objects, download, reuse) => {
    const result = diffObjects(objects, cache);
    expect(result.download.map((o) => o.path)).toEqual(download);
    expect(result.reuse.map((o) => o.path)).toEqual(reuse);
  });

  it('downloads everything with an empty cache', () => {
    expect(diffObjects([planned('a.cfg', '"aaa"', 1)], new Map()).download).toHaveLength(1);
  });
});

describe('normalizeEtag', () => {
  it.each([
    ['"abc"', 'abc'],
    ['W/"ABC"', 'abc'],
    ['abc-3', 'abc-3'],
  ])('%s -> %s', (input, out) => expect(normalizeEtag(input)).toBe(out));
});
