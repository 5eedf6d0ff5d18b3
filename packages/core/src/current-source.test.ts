import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CurrentSource, currentMarker, watchCurrent, type CurrentPointer } from './current-source.js';
import { publishVersion, swapCurrent } from './versions.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'current-source-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const signal = () => new AbortController().signal;
const file = (text: string) => [{ path: 'a.cfg', data: Buffer.from(text) }];

describe('CurrentSource', () => {
  it('answers null at once when nothing was published, even without the directory', async () => {
    const source = new CurrentSource(join(root, 'missing'), { pollMs: 60_000 });
    expect(await source.fetch({ index: undefined, signal: signal() })).toEqual({ value: null, index: currentMarker(null) });
    source.close();
  });

  it('resolves the link to the version id and directory; a marker other than `index` answers at once', async () => {
    const v = await publishVersion({ root }, file('one'));
    const source = new CurrentSource(root, { pollMs: 60_000, label: 'rendered' });
    expect(source.id).toBe(`rendered:${root}`);
    const got = await source.fetch({ index: currentMarker(null), signal: signal() });
    expect(got.value).toEqual({ id: v.id, dir: v.dir });
    expect(got.index).toBe(`id:${v.id}`);
    source.close();
  });

  it('wakes on the swap (inotify) long before the poll interval', async () => {
    const v1 = await publishVersion({ root }, file('one'));
    const source = new CurrentSource(root, { pollMs: 60_000 });
    const waiting = source.fetch({ index: currentMarker({ id: v1.id, dir: v1.dir }), signal: signal() });
    await new Promise((r) => setTimeout(r, 50));
    const v2 = await publishVersion({ root }, file('two'));
    expect((await waiting).value?.id).toBe(v2.id);
    source.close();
  }, 5_000);

  it('falls back to the poll when the directory appears after the wait began', async () => {
    const late = join(root, 'late');
    const source = new CurrentSource(late, { pollMs: 100 });
    const first = await source.fetch({ index: undefined, signal: signal() });
    expect(first.value).toBeNull();
    const waiting = source.fetch({ index: first.index, signal: signal() });
    const v = await publishVersion({ root: late }, file('one'));
    const got = await waiting;
    // Either the poll saw it, or the wait ran out first: the next look does.
    const next = got.value ?? (await source.fetch({ index: got.index, signal: signal() })).value;
    expect(next?.id).toBe(v.id);
    source.close();
  });

  it('sees the first publish into a directory that did not exist at once, not at the poll', async () => {
    const late = join(root, 'late');
    const source = new CurrentSource(late, { pollMs: 60_000 });
    const first = await source.fetch({ index: undefined, signal: signal() });
    const started = Date.now();
    const v = await (async () => {
      const waiting = (async () => {
        let got = await source.fetch({ index: first.index, signal: signal() });
        // The directory's creation wakes the wait; the link follows within the same publish.
        while (got.value === null) got = await source.fetch({ index: got.index, signal: signal() });
        return got.value;
      })();
      await new Promise((r) => setTimeout(r, 50));
      const published = await publishVersion({ root: late }, file('one'));
      expect((await waiting).id).toBe(published.id);
      return published;
    })();
    expect(v.id).toBeTruthy();
    expect(Date.now() - started).toBeLessThan(10_000);
    source.close();
  }, 20_000);

  it('tolerates a dangling link: it still names its id', async () => {
    await symlink('releases/gone', join(root, 'current'));
    const source = new CurrentSource(root);
    expect((await source.fetch({ index: undefined, signal: signal() })).value).toEqual({ id: 'gone', dir: join(root, 'releases/gone') });
    source.close();
  });

  it('an abort ends the wait at once', async () => {
    const source = new CurrentSource(root, { pollMs: 60_000 });
    const controller = new AbortController();
    const waiting = source.fetch({ index: currentMarker(null), signal: controller.signal });
    controller.abort();
    expect((await waiting).value).toBeNull();
    source.close();
  }, 2_000);
});

describe('watchCurrent', () => {
  it('delivers the first look, then each new version once; a failed look is retried', async () => {
    const seen: Array<string | null> = [];
    const errors: unknown[] = [];
    const controller = new AbortController();
    let onSeen: (() => void) | undefined;
    const loop = watchCurrent(root, {
      pollMs: 50,
      signal: controller.signal,
      backoff: { initialMs: 10, maxMs: 20 },
      onChange: (p: CurrentPointer | null) => {
        seen.push(p?.id ?? null);
        onSeen?.();
      },
      onError: (err) => errors.push(err),
    });
    const until = (n: number) =>
      new Promise<void>((resolve) => {
        onSeen = () => seen.length >= n && resolve();
        onSeen();
      });
    await until(1);
    const v1 = await publishVersion({ root }, file('one'));
    await until(2);
    // `current` replaced (atomically, never missing) by a plain file: readlink fails with
    // EINVAL, an error the loop retries until a link is back.
    await writeFile(join(root, 'plain'), 'x');
    await rename(join(root, 'plain'), join(root, 'current'));
    await new Promise((r) => setTimeout(r, 150));
    await mkdir(join(root, 'releases', 'manual'), { recursive: true });
    await swapCurrent(root, 'releases/manual');
    await until(3);
    controller.abort();
    await loop;
    expect(seen).toEqual([null, v1.id, 'manual']);
    expect(errors.length).toBeGreaterThan(0);
  });
});
