import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRotatedName } from './rotated-name.js';
import { pruneByAge, rotatedIndex, shiftRotated } from './rotation.js';

describe('rotatedIndex', () => {
  it.each<[string, number | undefined]>([
    ['haproxy.log.1.gz', 1],
    ['haproxy.log.12.gz', 12],
    ['haproxy.log.0.gz', undefined],
    ['haproxy.log.1', undefined],
    ['haproxy.log.1.gz.tmp', undefined],
    ['haproxy.log.x.gz', undefined],
    ['other.log.1.gz', undefined],
  ])('%s', (name, expected) => expect(rotatedIndex(name, 'haproxy.log')).toBe(expected));
});

describe('parseRotatedName', () => {
  it.each([
    ['haproxy.log.1', { index: 1, gz: false }],
    ['haproxy.log.1.gz', { index: 1, gz: true }],
    ['haproxy.log.12.gz', { index: 12, gz: true }],
    ['haproxy.log', undefined],
    ['haproxy.log.0', undefined],
    ['haproxy.log.1.gz.tmp', undefined],
    ['haproxy.log.x', undefined],
    ['other.log.1', undefined],
  ])('%s -> %j', (name, parsed) => expect(parseRotatedName(name, 'haproxy.log')).toEqual(parsed));
});

describe('shiftRotated / pruneByAge', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'rot-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('shifts .k.gz to .k+1.gz and deletes beyond keep', async () => {
    for (const n of [1, 2, 3]) await writeFile(join(dir, `haproxy.log.${n}.gz`), String(n));
    await writeFile(join(dir, 'unrelated.txt'), '');
    const deleted = await shiftRotated(dir, 'haproxy.log', 3);
    expect(deleted.map((d) => d.slice(dir.length + 1))).toEqual(['haproxy.log.3.gz']);
    expect((await readdir(dir)).sort()).toEqual(['haproxy.log.2.gz', 'haproxy.log.3.gz', 'unrelated.txt']);
  });

  it('deletes rotated files older than keepDays', async () => {
    await writeFile(join(dir, 'haproxy.log.1.gz'), '');
    await writeFile(join(dir, 'haproxy.log.2.gz'), '');
    const old = new Date(Date.now() - 3 * 86_400_000);
    await utimes(join(dir, 'haproxy.log.2.gz'), old, old);
    await pruneByAge(dir, 'haproxy.log', 2);
    expect(await readdir(dir)).toEqual(['haproxy.log.1.gz']);
  });
});
