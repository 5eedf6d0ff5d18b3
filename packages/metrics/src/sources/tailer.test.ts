import { appendFile, mkdir, mkdtemp, open, readdir, readFile, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprint } from './log-source.js';
import { FileTailer, type TailEvent } from './tailer.js';
import type { TailPosition } from './position.js';

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tailer-'));
  path = join(dir, 'haproxy.log');
});
const tailers: FileTailer[] = [];
afterEach(async () => {
  await Promise.all(tailers.splice(0).map((t) => t.close()));
  await rm(dir, { recursive: true, force: true });
});

function harness(start: TailPosition | null = null) {
  const lines: string[] = [];
  const events: TailEvent[] = [];
  let position: TailPosition | null = null;
  const tailer = new FileTailer({
    path,
    start,
    pollMs: 5,
    chunkBytes: 64, // small chunks: lines straddle reads
    onLines: (batch, pos) => {
      lines.push(...batch);
      position = pos;
    },
    onEvent: (e) => events.push(e),
  });
  tailers.push(tailer);
  const drain = async () => {
    while (await tailer.step());
  };
  return { tailer, lines, events, drain, position: () => position };
}

/** The log-shipper's rotation: `.k.gz` -> `.(k+1).gz`, live -> `.1` gzipped to `.1.gz` (unless `keepPlain`), new live file. */
async function rotate(next: string, keepPlain = false): Promise<void> {
  if ((await readdir(dir)).includes('haproxy.log.1')) await gzipFirst(); // the shipper waits for it
  const rotated = (await readdir(dir)).filter((n) => /^haproxy\.log\.\d+\.gz$/.test(n));
  for (const k of rotated.map((n) => Number(n.split('.')[2])).sort((a, b) => b - a)) await rename(`${path}.${k}.gz`, `${path}.${k + 1}.gz`);
  await rename(path, `${path}.1`);
  await writeFile(path, next);
  if (!keepPlain) await gzipFirst();
}
async function gzipFirst(): Promise<void> {
  await writeFile(`${path}.1.gz`, gzipSync(await readFile(`${path}.1`)));
  await rm(`${path}.1`);
}

const numbered = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `line ${from + i} ${'x'.repeat((from + i) % 7)}\n`).join('');
const expected = (from: number, to: number) => numbered(from, to).split('\n').slice(0, -1);

describe('FileTailer', () => {
  it('reads a file from its start and holds a partial line until its newline arrives', async () => {
    await writeFile(path, `${numbered(0, 20)}partial`);
    const h = harness();
    await h.tailer.resume(null);
    await h.drain();
    expect(h.lines).toEqual(expected(0, 20));
    await appendFile(path, ' end\n');
    await h.drain();
    expect(h.lines.at(-1)).toBe('partial end');
  });

  it('waits for a missing file and reads it from the first byte once created', async () => {
    const h = harness();
    await h.tailer.resume(null);
    expect(await h.tailer.step()).toBe(false);
    await writeFile(path, numbered(0, 3));
    await h.drain();
    expect(h.lines).toEqual(expected(0, 3));
  });

  it('follows a rotation: old file read to its end through the open descriptor, then the new one from 0', async () => {
    await writeFile(path, numbered(0, 10));
    const h = harness();
    await h.tailer.resume(null);
    await h.drain();
    const writer = await open(path, 'a');
    await rename(path, `${path}.1`);
    expect(await h.tailer.step()).toBe(false); // renamed, no new file yet: keep waiting
    await writer.write(numbered(10, 15)); // late writes to the old inode still count
    await writer.write('unterminated tail');
    await writer.close();
    await writeFile(path, numbered(15, 30));
    await h.drain();
    expect(h.lines).toEqual([...expected(0, 15), 'unterminated tail', ...expected(15, 30)]);
    expect(h.events.filter((e) => e.type === 'rotated')).toHaveLength(1);
  });

  it('notices a truncation and reads the file again from the start', async () => {
    await writeFile(path, numbered(0, 10));
    const h = harness();
    await h.tailer.resume(null);
    await h.drain();
    await truncate(path, 0);
    await appendFile(path, numbered(100, 102));
    await h.drain();
    expect(h.lines).toEqual([...expected(0, 10), ...expected(100, 102)]);
    expect(h.events.filter((e) => e.type === 'truncated')).toHaveLength(1);
  });

  it('resumes at the saved offset in the same file', async () => {
    await writeFile(path, numbered(0, 10));
    const first = harness();
    await first.tailer.resume(null);
    await first.drain();
    await appendFile(path, numbered(10, 20));
    const second = harness(first.position());
    await second.tailer.resume(first.position());
    await second.drain();
    expect(second.lines).toEqual(expected(10, 20));
    expect(second.events[0]).toMatchObject({ type: 'opened', resumed: true });
  });

  it('resumes in the rotated file when it was renamed while stopped, then reads the new file', async () => {
    await writeFile(path, numbered(0, 10));
    const first = harness();
    await first.tailer.resume(null);
    await first.drain();
    await appendFile(path, numbered(10, 12));
    await rename(path, `${path}.1`);
    await writeFile(path, numbered(12, 20));
    const second = harness(first.position());
    await second.tailer.resume(first.position());
    await second.drain();
    expect(second.lines).toEqual(expected(10, 20));
  });

  it('starts the live file from 0 when the saved file is gone or its inode was recycled', async () => {
    await writeFile(path, numbered(0, 10));
    const first = harness();
    await first.tailer.resume(null);
    await first.drain();
    const saved = first.position() as unknown as TailPosition;
    await rm(path);
    await writeFile(path, numbered(50, 55)); // may well get the same inode number back
    const second = harness(saved);
    await second.tailer.resume(saved);
    await second.drain();
    expect(second.lines).toEqual(expected(50, 55));
    expect(second.events[0]).toMatchObject({ type: 'position-lost' });
  });

  it.each([
    ['SIGTERM-like: position at a line end', 0],
    ['position in a file gzipped since', 3],
  ])('resumes after 3 rotations while stopped (%s), reading the gzipped files in order', async (_name, extraRotations) => {
    await writeFile(path, numbered(0, 10));
    const first = harness();
    await first.tailer.resume(null);
    await first.drain();
    await appendFile(path, numbered(10, 40)); // written after the saved position
    await rotate(numbered(40, 50));
    await rotate(numbered(50, 300)); // bigger than one 64-byte chunk of the gzip stream
    await rotate(numbered(300, 310), true); // newest rotation still plain (being compressed)
    await appendFile(path, numbered(310, 315));
    for (let i = 0; i < extraRotations; i++) await rotate(numbered(315 + i, 316 + i));
    const total = 315 + extraRotations;
    const second = harness(first.position());
    await second.tailer.resume(first.position());
    await second.drain();
    expect(second.lines).toEqual(expected(10, total));
    expect(second.events[0]).toMatchObject({ type: 'opened', resumed: true, file: `${path}.${3 + extraRotations}.gz` });
    expect(second.events.filter((e) => e.type === 'rotated')).toHaveLength(3 + extraRotations);
  });

  it('resumes in the middle of a gzipped file (the position was saved while reading it)', async () => {
    const text = numbered(0, 100);
    await writeFile(path, text);
    await rotate(numbered(100, 110));
    // A position inside `.1.gz` as a tailer reading it saves it: text offset after line 37, fingerprint of the first 256 bytes.
    const saved = { inode: 1, offset: text.indexOf('line 38 '), head: fingerprint(Buffer.from(text), 256), headLength: 256 };
    const h = harness(saved);
    await h.tailer.resume(saved);
    await h.drain();
    expect(h.lines).toEqual(expected(38, 110));
    expect(h.position()).toMatchObject({ offset: numbered(100, 110).length });
  });

  it('reads every file when several rotations happen between two polls', async () => {
    await writeFile(path, numbered(0, 5));
    const h = harness();
    await h.tailer.resume(null);
    await h.drain();
    await appendFile(path, numbered(5, 8));
    await rotate(numbered(8, 12));
    await rotate(numbered(12, 20));
    await rotate(numbered(20, 25), true);
    await h.drain();
    expect(h.lines).toEqual(expected(0, 25));
    expect(h.events.filter((e) => e.type === 'rotated')).toHaveLength(3);
  });

  it('a damaged .gz is reported once and skipped; the newer files are still read', async () => {
    await writeFile(path, numbered(0, 400));
    const first = harness();
    await first.tailer.resume(null);
    await first.drain();
    const saved = first.position() as unknown as TailPosition;
    await appendFile(path, numbered(400, 410));
    await rotate(numbered(410, 420));
    const gz = await readFile(`${path}.1.gz`);
    await writeFile(`${path}.1.gz`, gz.subarray(0, gz.length - 40)); // cut: the gzip trailer and some data are missing
    const errors: unknown[] = [];
    const second = new FileTailer({ path, start: saved, pollMs: 5, onLines: (batch) => lines.push(...batch), onError: (err) => errors.push(err) });
    tailers.push(second);
    const lines: string[] = [];
    await second.resume(saved);
    for (let i = 0; i < 20; i++) await second.step().catch((err: unknown) => errors.push(err));
    expect(errors).toHaveLength(1);
    expect(lines.slice(-10)).toEqual(expected(410, 420));
  });

  it('resumes with a saved position while LOG_DIR does not exist yet, then reads the live file once it appears', async () => {
    const h = harness({ inode: 1, offset: 10, head: 'x', headLength: 5 });
    await rm(dir, { recursive: true });
    await h.tailer.resume({ inode: 1, offset: 10, head: 'x', headLength: 5 });
    expect(h.events[0]).toMatchObject({ type: 'position-lost' });
    expect(await h.tailer.step()).toBe(false);
    await mkdir(dir);
    await writeFile(path, numbered(0, 3));
    await h.drain();
    expect(h.lines).toEqual(expected(0, 3));
  });

  it('a slow reader whose file was deleted by the next rotation still reads the file in between', async () => {
    await writeFile(path, numbered(0, 5));
    const h = harness();
    await h.tailer.resume(null);
    await h.drain();
    await appendFile(path, numbered(5, 8));
    // A rotation scheme that deletes `.1` (not the log-shipper's), twice before the reader looks.
    await rename(path, `${path}.1`);
    await writeFile(path, numbered(8, 12));
    await rm(`${path}.1`);
    await rename(path, `${path}.1`);
    await writeFile(path, numbered(12, 20));
    await h.drain();
    expect(h.lines).toEqual(expected(0, 20));
  });
});
