import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogFile, type LogFileEvents } from './log-file.js';

function recorder() {
  const seen = { written: 0, rotations: [] as string[], diskFull: 0, errors: [] as string[] };
  const events: LogFileEvents = {
    written: (_b, lines) => (seen.written += lines),
    rotated: (reason) => seen.rotations.push(reason),
    diskFull: (lines) => (seen.diskFull += lines),
    error: (err) => seen.errors.push(err.code),
    pressure: () => undefined,
  };
  return { seen, events };
}

async function allLines(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const data = await readFile(join(dir, name));
    out.push(...(name.endsWith('.gz') ? gunzipSync(data) : data).toString().split('\n').filter(Boolean));
  }
  return out;
}

describe('LogFile', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'logfile-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const make = (events: LogFileEvents, over: Partial<ConstructorParameters<typeof LogFile>[0]> = {}) =>
    new LogFile({ dir, name: 'haproxy.log', maxBytes: 1000, maxAgeMs: 0, keep: 3, keepDays: 0, gzipLevel: 1, events, ...over });

  it('rotates by size, gzips, keeps N files and loses no line', async () => {
    const { seen, events } = recorder();
    const file = make(events, { keep: 100 });
    await file.open();
    for (let i = 0; i < 200; i++) {
      file.append(`line ${String(i).padStart(4, '0')} ${'x'.repeat(40)}`);
      if (i % 20 === 0) await file.settled();
    }
    await file.close();
    expect(seen.written).toBe(200);
    expect(seen.rotations.length).toBeGreaterThan(3);
    const lines = await allLines(dir);
    expect(new Set(lines).size).toBe(200);
    expect(lines.length).toBe(200);
    expect((await readdir(dir)).filter((n) => n.endsWith('.gz')).length).toBe(seen.rotations.length);
  });

  it('deletes rotated files beyond LOG_ROTATE_KEEP', async () => {
    const { events } = recorder();
    const file = make(events, { keep: 2, maxBytes: 100 });
    await file.open();
    for (let i = 0; i < 30; i++) {
      file.append(`l${i} ${'y'.repeat(60)}`);
      await file.settled();
    }
    await file.close();
    expect((await readdir(dir)).sort()).toEqual(['haproxy.log', 'haproxy.log.1.gz', 'haproxy.log.2.gz']);
  });

  it('rotates by age on tick', async () => {
    const { seen, events } = recorder();
    const file = make(events, { maxBytes: 1e9, maxAgeMs: 60_000 });
    await file.open();
    file.append('old line');
    await file.flush();
    await file.tick(Date.now() + 1000);
    expect(seen.rotations).toEqual([]);
    await file.tick(Date.now() + 61_000);
    await file.flush();
    await file.close();
    expect(seen.rotations).toEqual(['age']);
    expect(await readdir(dir)).toContain('haproxy.log.1.gz');
  });

  it('counts a full disk and resumes when the file is writable again', async () => {
    const { seen, events } = recorder();
    await symlink('/dev/full', join(dir, 'haproxy.log')); // every write: ENOSPC
    const file = make(events);
    await file.open();
    file.append('lost 1');
    file.append('lost 2');
    await file.flush();
    expect(seen.diskFull).toBe(2);
    expect(seen.errors).toEqual([]);
    await rm(join(dir, 'haproxy.log')); // space returns: the path is a plain file again
    await file.tick();
    file.append('kept');
    await file.close();
    expect(await readFile(join(dir, 'haproxy.log'), 'utf8')).toBe('kept\n');
  });

  it('finishes an interrupted rotation on open', async () => {
    await writeFile(join(dir, 'haproxy.log.1'), 'rotated but not compressed\n');
    await writeFile(join(dir, 'haproxy.log.1.gz.tmp'), 'half a gzip');
    const { events } = recorder();
    const file = make(events);
    await file.open();
    await file.close();
    expect((await readdir(dir)).sort()).toEqual(['haproxy.log', 'haproxy.log.1.gz']);
    expect(gunzipSync(await readFile(join(dir, 'haproxy.log.1.gz'))).toString()).toBe('rotated but not compressed\n');
  });
});
