import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint, openLogSource } from './log-source.js';

let dir: string;
// About 1 MB of text: many gunzip output chunks (16 KiB each).
const text = Buffer.from(Array.from({ length: 20_000 }, (_, i) => `line ${i} ${'y'.repeat(i % 80)}\n`).join(''));
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'log-source-'));
  await writeFile(join(dir, 'a.log'), text);
  await writeFile(join(dir, 'a.log.1.gz'), gzipSync(text));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Reads from `from` to the end in `chunk`-byte reads. */
async function readAll(name: string, chunk: number, from: number): Promise<Buffer> {
  const source = await openLogSource(join(dir, name));
  try {
    const parts: Buffer[] = [];
    const buf = Buffer.alloc(chunk);
    for (let at = from; ; ) {
      const n = await source.readAt(buf, at);
      if (n === 0) return Buffer.concat(parts);
      parts.push(Buffer.from(buf.subarray(0, n)));
      at += n;
    }
  } finally {
    await source.close();
  }
}

describe('openLogSource', () => {
  it.each([
    ['a.log', 1 << 18, 0],
    ['a.log.1.gz', 1 << 18, 0],
    ['a.log.1.gz', 1000, 0],
    ['a.log.1.gz', 1 << 18, 123_457], // resume inside the text: decompress and skip
    ['a.log.1.gz', 7, text.length - 20],
    ['a.log.1.gz', 4096, text.length], // at the end: nothing
  ])('%s read in %i-byte reads from %i gives the text from there', async (name, chunk, from) => {
    expect((await readAll(name, chunk, from)).equals(text.subarray(from))).toBe(true);
  });

  it('fingerprints the text (not the compressed bytes) and reads again after a seek backwards', async () => {
    const plain = await openLogSource(join(dir, 'a.log'));
    const gz = await openLogSource(join(dir, 'a.log.1.gz'));
    try {
      expect(gz.kind).toBe('gz');
      for (const length of [1, 100, 256]) expect(await gz.head(length)).toBe(await plain.head(length));
      expect(await gz.head(256)).toBe(fingerprint(text, 256));
      expect(await gz.size()).toBeUndefined();
      const buf = Buffer.alloc(10);
      await gz.readAt(buf, 500_000);
      expect(await gz.readAt(buf, 5)).toBe(10); // backwards: restarts the stream
      expect(buf.equals(text.subarray(5, 15))).toBe(true);
    } finally {
      await Promise.all([plain.close(), gz.close()]);
    }
  });

  it('fingerprint: empty for length 0, short when the file has fewer bytes', () => {
    expect(fingerprint(Buffer.from('abc'), 0)).toBe('');
    expect(fingerprint(Buffer.from('abc'), 5)).toBe('short:3');
    expect(fingerprint(Buffer.from('abcdef'), 3)).toBe(fingerprint(Buffer.from('abc'), 3));
  });
});
