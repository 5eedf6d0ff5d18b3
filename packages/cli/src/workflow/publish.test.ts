import { describe, expect, it } from 'vitest';
import { MemoryStore } from './memory-store.js';
import { listReleases, publishRelease, rollbackRelease } from './publish.js';
import { releaseId } from './release.js';

const tree = (files: Record<string, string>) => Object.entries(files).map(([path, text]) => ({ path, data: Buffer.from(text) }));
const who = { author: 'ana', commit: 'abc123', message: 'add billing' };
const V1 = tree({ '00-defaults.cfg': 'defaults\n', '50-web.cfg.hbs': 'backend web\n', 'maps/hosts.map': 'a web\n' });
const V2 = tree({ '00-defaults.cfg': 'defaults\n', '50-web.cfg.hbs': 'backend web\n  balance leastconn\n', 'maps/hosts.map': 'a web\n' });
const current = (s: MemoryStore) => JSON.parse(s.text('CURRENT') ?? 'null');

describe('publishRelease', () => {
  it('uploads every file, then the metadata, then CURRENT, and is a no-op when already live', async () => {
    const s = new MemoryStore();
    const out = await publishRelease(s, V1, who);
    expect(out).toMatchObject({ id: releaseId(V1), status: 'published', previous: null, uploaded: 3 });
    const puts = s.requests.filter((r) => r.startsWith('PUT'));
    expect(puts.slice(-2)).toEqual([`PUT releases/${out.id}.json`, 'PUT CURRENT']);
    expect(current(s)).toMatchObject({ release: out.id, author: 'ana', commit: 'abc123', message: 'add billing', files: 3, previous: null });
    expect(JSON.parse(s.text(`releases/${out.id}.json`)!)).toMatchObject({ release: out.id, files: 3, bytes: 27 });
    // Nothing but the tree inside the release folder: s3-sync copies all of it to nodes.
    expect([...s.objects.keys()].filter((k) => k.startsWith(`releases/${out.id}/`)).sort()).toEqual(V1.map((f) => `releases/${out.id}/${f.path}`).sort());
    s.requests.length = 0;
    expect(await publishRelease(s, V1, who)).toMatchObject({ status: 'unchanged', uploaded: 0 });
    expect(s.requests.filter((r) => r.startsWith('PUT'))).toEqual([]);
  });

  it('copies files the previous release has instead of uploading them', async () => {
    const s = new MemoryStore();
    const first = await publishRelease(s, V1, who);
    s.requests.length = 0;
    const second = await publishRelease(s, V2, who);
    expect(second).toMatchObject({ status: 'published', previous: first.id, uploaded: 1, copied: 2 });
    expect(s.requests.filter((r) => r.startsWith(`PUT releases/${second.id}/`))).toEqual([`PUT releases/${second.id}/50-web.cfg.hbs`]);
    expect(current(s).previous).toBe(first.id);
  });

  it('leaves CURRENT on the old release when the store fails mid-way, and a re-run completes', async () => {
    const s = new MemoryStore();
    const first = await publishRelease(s, V1, who);
    const big = tree(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`50-s${i}.cfg`, `backend s${i}\n`])));
    let puts = 0;
    s.beforePut = () => {
      if (++puts > 5) throw new Error('503 Slow Down');
    };
    await expect(publishRelease(s, big, who, { concurrency: 2 })).rejects.toThrow(/Slow Down/);
    expect(current(s).release).toBe(first.id);
    expect(s.objects.has(`releases/${releaseId(big)}.json`)).toBe(false);
    await expect(rollbackRelease(s, releaseId(big), who)).rejects.toMatchObject({ code: 'RELEASE_INCOMPLETE' });
    s.beforePut = undefined;
    const again = await publishRelease(s, big, who);
    expect(again.skipped).toBe(5);
    expect(again.uploaded).toBe(15);
    expect(current(s).release).toBe(releaseId(big));
  });

  it('reports progress per file', async () => {
    const seen: number[] = [];
    await publishRelease(new MemoryStore(), V1, who, { onProgress: (p) => seen.push(p.done) });
    expect(seen).toEqual([1, 2, 3]);
  });

  it.each([
    ['the store honours If-Match', true],
    ['the store ignores If-Match (s3rver): the re-read before the write catches it', false],
  ])('refuses to flip when CURRENT changed meanwhile: %s', async (_, honour) => {
    const s = new MemoryStore();
    s.honourConditions = honour;
    await publishRelease(s, V1, who);
    s.beforePut = (key) => {
      // Another publisher flips CURRENT while our files upload.
      if (key.endsWith('.json')) s.set('CURRENT', JSON.stringify({ release: 'other-release', author: 'bob' }));
    };
    const err = await publishRelease(s, V2, who).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CURRENT_CHANGED' });
    expect((err as Error).message).toMatch(/now other-release by bob.*NOT live/);
    expect(current(s).release).toBe('other-release');
  });

  it('detects a write that lands between the re-read and its own (store ignoring If-Match)', async () => {
    const s = new MemoryStore();
    s.honourConditions = false;
    await publishRelease(s, V1, who);
    let injected = false;
    const put = s.put.bind(s);
    s.put = async (key, data, opts) => {
      const r = await put(key, data, opts);
      if (key === 'CURRENT' && !injected) {
        injected = true;
        s.set('CURRENT', JSON.stringify({ release: 'late-writer' }));
      }
      return r;
    };
    await expect(publishRelease(s, V2, who)).rejects.toMatchObject({ code: 'CURRENT_CHANGED' });
  });

  it('removes stray objects from the release folder', async () => {
    const s = new MemoryStore();
    s.set(`releases/${releaseId(V1)}/junk.cfg`, 'x');
    await publishRelease(s, V1, who);
    expect(s.objects.has(`releases/${releaseId(V1)}/junk.cfg`)).toBe(false);
  });
});

describe('rollbackRelease and listReleases', () => {
  it('points CURRENT back, lists newest first with metadata, and marks incomplete releases', async () => {
    const s = new MemoryStore();
    const a = await publishRelease(s, V1, { ...who, message: 'one' });
    const b = await publishRelease(s, V2, { ...who, message: 'two' });
    s.set('releases/deadbeef/50-x.cfg', 'partial');
    expect(await rollbackRelease(s, a.id, { author: 'ops', commit: null, message: 'bad deploy' })).toMatchObject({ status: 'published', previous: b.id });
    expect(current(s)).toMatchObject({ release: a.id, rollback: true, author: 'ops', previous: b.id });
    const { releases } = await listReleases(s);
    expect(releases.map((r) => [r.id, r.complete, r.current, r.meta?.message])).toEqual([
      [b.id, true, false, 'two'],
      [a.id, true, true, 'one'],
      ['deadbeef', false, false, undefined],
    ]);
    expect(await rollbackRelease(s, a.id, who)).toMatchObject({ status: 'unchanged' });
  });
  it.each([
    ['nope', 'RELEASE_NOT_FOUND'],
    ['../x', 'RELEASE_ID_INVALID'],
  ])('refuses %s', async (id, code) => {
    await expect(rollbackRelease(new MemoryStore(), id, who)).rejects.toMatchObject({ code });
  });
});
