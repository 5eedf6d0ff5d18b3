import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPosition, parsePosition, PositionWriter } from './position.js';

describe('parsePosition', () => {
  it.each([
    ['{"inode":5,"offset":10,"head":"ab","headLength":2}', { inode: 5, offset: 10, head: 'ab', headLength: 2 }],
    ['{"inode":5,"offset":10,"head":"ab","headLength":2,"savedAt":"x"}', { inode: 5, offset: 10, head: 'ab', headLength: 2 }],
    ['{"inode":5,"offset":-1,"head":"ab","headLength":2}', null],
    ['{"inode":"5","offset":10,"head":"ab","headLength":2}', null],
    ['{"inode":5,"offset":10}', null],
    ['not json', null],
    ['', null],
  ])('%s', (text, want) => {
    expect(parsePosition(text)).toEqual(want);
  });
});

describe('PositionWriter', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'position-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the latest position at most once per interval, and at once on flush', async () => {
    const file = join(dir, 'state/pos.json');
    const writer = new PositionWriter(file, 10_000);
    for (let offset = 1; offset <= 100; offset++) writer.update({ inode: 7, offset, head: 'h', headLength: 1 });
    expect(await loadPosition(file)).toBeNull(); // throttled: nothing yet
    await writer.flush();
    expect(await loadPosition(file)).toEqual({ inode: 7, offset: 100, head: 'h', headLength: 1 });
    await writer.flush(); // unchanged: not rewritten
    expect(writer.writes).toBe(1);
    expect(JSON.parse(await readFile(file, 'utf8')).savedAt).toMatch(/^\d{4}-/);
  });
});
