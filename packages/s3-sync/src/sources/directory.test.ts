import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirectorySource } from './directory.js';

const limits = { maxObjectBytes: 1024, maxObjects: 10 };
const signal = new AbortController().signal;

describe('DirectorySource', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 's3-sync-dir-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const fetchTree = (d = dir) => new DirectorySource(d, limits).fetch({ index: undefined, signal });

  it('reads a plain tree, skipping symlinks', async () => {
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'a.cfg'), 'A');
    await writeFile(join(dir, 'sub/b.map'), 'B');
    await symlink('/etc/passwd', join(dir, 'link'));
    const { value } = await fetchTree();
    expect(value.mode).toBe('tree');
    expect(value.files.map((f) => [f.path, f.data.toString()])).toEqual([
      ['a.cfg', 'A'],
      ['sub/b.map', 'B'],
    ]);
  });

  it('follows CURRENT to releases/<id>/', async () => {
    await mkdir(join(dir, 'releases/r1'), { recursive: true });
    await writeFile(join(dir, 'releases/r1/x.cfg'), 'X');
    await writeFile(join(dir, 'CURRENT'), '{"release":"r1","commit":"c0ffee"}');
    const { value } = await fetchTree();
    expect(value).toMatchObject({ mode: 'release', release: 'r1', meta: { commit: 'c0ffee' } });
    expect(value.files.map((f) => f.path)).toEqual(['x.cfg']);
  });

  it('returns the same tree object when nothing changed, a new id when a file did', async () => {
    await writeFile(join(dir, 'a.cfg'), 'A');
    const source = new DirectorySource(dir, limits);
    const first = await source.fetch({ index: undefined, signal });
    expect((await source.fetch({ index: first.index, signal })).value).toBe(first.value);
    await writeFile(join(dir, 'a.cfg'), 'A2');
    expect((await source.fetch({ index: first.index, signal })).value.id).not.toBe(first.value.id);
  });

  it.each([
    ['a file name with a newline', async (d: string) => writeFile(join(d, 'a\nb'), 'x'), 'UNSAFE_KEY'],
    ['a file name with a backslash', async (d: string) => writeFile(join(d, 'a\\b'), 'x'), 'UNSAFE_KEY'],
    ['a file over the size limit', async (d: string) => writeFile(join(d, 'big'), Buffer.alloc(1025)), 'OBJECT_TOO_LARGE'],
    ['too many files', async (d: string) => Promise.all(Array.from({ length: 11 }, (_, i) => writeFile(join(d, `f${i}`), 'x'))), 'TREE_TOO_LARGE'],
    ['an empty tree', async () => undefined, 'TREE_EMPTY'],
    ['a CURRENT that is not JSON', async (d: string) => writeFile(join(d, 'CURRENT'), 'r1'), 'CURRENT_INVALID'],
    ['a CURRENT naming a missing release', async (d: string) => writeFile(join(d, 'CURRENT'), '{"release":"nope"}'), 'RELEASE_EMPTY'],
  ])('refuses %s', async (_what, setup, code) => {
    await setup(dir);
    await expect(fetchTree()).rejects.toMatchObject({ code });
  });
});
