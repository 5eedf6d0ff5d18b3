import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHANGES_FILE, MAX_CHANGES, changeBreakdown, noteChange, readChangeRecord, secondsSince, writeChangeRecord, type ChangeSeen } from './change-timing.js';

const change = (seenAt: number, query = 'health.service:web'): ChangeSeen => ({ query, index: String(seenAt), seenAt });

describe('changeBreakdown', () => {
  it.each([
    ['one change: ms after it', [change(1000)], { rendered: 1030, applied: 1045 }, { rendered: 30, applied: 45 }],
    ['several: measured from the oldest', [change(1010, 'kv.get:a'), change(1000), change(1020)], { applied: 1050 }, { applied: 50 }],
    ['a mark before the change (clock step) is 0', [change(1000)], { applied: 990 }, { applied: 0 }],
  ])('%s', (_n, changes, marks, ms) => {
    const b = changeBreakdown({ changes }, marks)!;
    expect(b.ms).toEqual(ms);
    expect(b.changes).toBe(changes.length);
    expect(b.seenAt).toBe(new Date(Math.min(...changes.map((c) => c.seenAt))).toISOString());
  });

  it('no changes: no breakdown', () => {
    expect(changeBreakdown({ changes: [] }, { applied: 5 })).toBeNull();
  });
});

describe('secondsSince / noteChange', () => {
  it('gives seconds per change, never negative', () => {
    expect(secondsSince([change(1000), change(1500)], 1250)).toEqual([0.25, 0]);
  });

  it('keeps the oldest MAX_CHANGES', () => {
    const pending: ChangeSeen[] = [];
    for (let i = 0; i < MAX_CHANGES + 5; i++) noteChange(pending, change(i));
    expect(pending).toHaveLength(MAX_CHANGES);
    expect(pending[0]!.seenAt).toBe(0);
  });
});

describe('change record sidecar', () => {
  let root: string;
  beforeEach(async () => (root = await mkdtemp(join(tmpdir(), 'change-timing-'))));
  afterEach(() => rm(root, { recursive: true, force: true }));
  const record = { version: 'abc123', changes: [change(1000)], passAt: 1020, renderedAt: 1030, writtenAt: 1031 };

  it('round-trips for its version and leaves no temp file', async () => {
    await writeChangeRecord(root, record);
    expect(await readChangeRecord(root, 'abc123')).toEqual(record);
    expect(await readdir(root)).toEqual([CHANGES_FILE]);
  });

  it.each([
    ['another version', async () => writeChangeRecord(root, record), 'def456'],
    ['missing', async () => undefined, 'abc123'],
    ['not JSON', async () => writeFile(join(root, CHANGES_FILE), '{'), 'abc123'],
    ['wrong shape', async () => writeFile(join(root, CHANGES_FILE), JSON.stringify({ version: 'abc123', changes: 'x' })), 'abc123'],
    ['a version id that is not hex', async () => writeFile(join(root, CHANGES_FILE), JSON.stringify({ ...record, version: '../x' })), '../x'],
  ])('%s: null', async (_n, setup, version) => {
    await setup();
    expect(await readChangeRecord(root, version)).toBeNull();
  });
});
