import { mkdtemp, readFile, readdir, readlink, rm, utimes, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertSafeRelativePath, publishVersion, readCurrent, versionId } from './versions.js';

const file = (path: string, text: string) => ({ path, data: Buffer.from(text) });

describe('versionId', () => {
  it('is the same for the same tree in any order and differs on any byte or name', () => {
    const a = versionId([file('a.cfg', 'x'), file('b/c.map', 'y')]);
    expect(versionId([file('b/c.map', 'y'), file('a.cfg', 'x')])).toBe(a);
    expect(versionId([file('a.cfg', 'x '), file('b/c.map', 'y')])).not.toBe(a);
    expect(versionId([file('a2.cfg', 'x'), file('b/c.map', 'y')])).not.toBe(a);
    // The boundary between name and bytes is part of the hash.
    expect(versionId([file('ab', 'c')])).not.toBe(versionId([file('a', 'bc')]));
  });
});

describe('assertSafeRelativePath', () => {
  it.each(['../x', 'a/../../x', '/etc/passwd', 'a//b', './a', 'a/./b', '', 'a\\b', 'a\nb', 'a\x00b'])('refuses %j', (p) => {
    expect(() => assertSafeRelativePath(p)).toThrow(/refusing path/);
  });
  it.each(['a', 'a/b.cfg', 'maps/hosts.map', '..a', 'a..b'])('accepts %j', (p) => {
    expect(() => assertSafeRelativePath(p)).not.toThrow();
  });
});

describe('publishVersion', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'versions-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('runs beforeSwap with the version on disk and current still on the old one, and not for an unchanged version', async () => {
    const first = await publishVersion({ root }, [file('a.cfg', 'one')]);
    const seen: Array<{ current: string | undefined; onDisk: string }> = [];
    const hook = async () => {
      seen.push({ current: (await readCurrent(root))?.id, onDisk: await readFile(join(root, 'releases', versionId([file('a.cfg', 'two')]), 'a.cfg'), 'utf8') });
    };
    const second = await publishVersion({ root }, [file('a.cfg', 'two')], undefined, hook);
    expect(seen).toEqual([{ current: first.id, onDisk: 'two' }]);
    expect((await readCurrent(root))?.id).toBe(second.id);
    await publishVersion({ root }, [file('a.cfg', 'two')], undefined, hook);
    expect(seen).toHaveLength(1);
  });

  it('publishes a complete tree behind a relative current link and skips equal content', async () => {
    expect(await readCurrent(root)).toBeNull();
    const first = await publishVersion({ root }, [file('a.cfg', 'one'), file('maps/m.map', 'k v')]);
    expect(first.changed).toBe(true);
    expect(await readlink(join(root, 'current'))).toBe(`releases/${first.id}`);
    expect(await readFile(join(root, 'current/maps/m.map'), 'utf8')).toBe('k v');
    const again = await publishVersion({ root }, [file('maps/m.map', 'k v'), file('a.cfg', 'one')]);
    expect(again).toMatchObject({ id: first.id, changed: false });
    const second = await publishVersion({ root }, [file('a.cfg', 'two')]);
    expect((await readCurrent(root))?.id).toBe(second.id);
    expect(await readdir(join(root, 'current'))).toEqual(['a.cfg']);
  });

  it('prunes to the newest N but never current nor young versions', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const { id } = await publishVersion({ root, keep: 2, pruneGraceMs: 0 }, [file('a.cfg', `v${i}`)]);
      // Spread mtimes so "newest" is well defined.
      const t = new Date(Date.now() - (10 - i) * 1000);
      await utimes(join(root, 'releases', id), t, t);
      ids.push(id);
    }
    const kept = await readdir(join(root, 'releases'));
    expect(kept.sort()).toEqual([ids[4], ids[5]].sort());
    // Rollback to a kept older version: current moves, nothing is rewritten.
    await publishVersion({ root, keep: 2, pruneGraceMs: 0 }, [file('a.cfg', 'v4')]);
    expect((await readCurrent(root))?.id).toBe(ids[4]);
  });

  it('scans for versions to prune at most once per 1/30 of the grace period', async () => {
    // The default grace (30 s): a scan at most every second. Versions are aged past it by hand.
    const store = { root, keep: 1 };
    const age = async () => {
      const old = new Date(Date.now() - 60_000);
      for (const name of await readdir(join(root, 'releases'))) await utimes(join(root, 'releases', name), old, old);
    };
    const count = async () => (await readdir(join(root, 'releases'))).length;
    await publishVersion(store, [file('a.cfg', 'v0')]);
    await publishVersion(store, [file('a.cfg', 'v1')]);
    await age();
    // Within a second of the first publish's scan: no scan, both old versions and the new one stay.
    await publishVersion(store, [file('a.cfg', 'v2')]);
    expect(await count()).toBe(3);
    await new Promise((r) => setTimeout(r, 1100));
    await age();
    // A scan: only current is left (keep 1 counts it).
    await publishVersion(store, [file('a.cfg', 'v3')]);
    expect(await count()).toBe(1);
  });

  it('refuses a path that escapes and leaves current untouched', async () => {
    const good = await publishVersion({ root }, [file('a.cfg', 'ok')]);
    await expect(publishVersion({ root }, [file('../evil', 'x')])).rejects.toMatchObject({ code: 'UNSAFE_PATH' });
    expect((await readCurrent(root))?.id).toBe(good.id);
    const leftovers = (await readdir(join(root, 'releases'))).filter((n) => n.startsWith('.'));
    expect(leftovers).toEqual([]);
    await mkdir(join(root, 'x'), { recursive: true });
  });
});
