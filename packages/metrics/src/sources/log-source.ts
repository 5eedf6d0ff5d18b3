import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/**
 * One log file the tailer reads: the live file or a rotated one, plain or gzipped.
 * Offsets are always in the file's *text* (decompressed bytes for `.gz`), so a
 * position saved in `haproxy.log` stays valid after the log-shipper renamed and
 * gzipped that file.
 */
export interface LogSource {
  readonly kind: 'plain' | 'gz';
  /** The name it had when opened (for logs and events). */
  readonly path: string;
  readonly inode: number;
  /** Reads text bytes at `at` into `buf`; 0 at the end. A `.gz` is read forward only (a seek backwards restarts it). */
  readAt(buf: Buffer, at: number): Promise<number>;
  /** Fingerprint of the first `length` text bytes (see `fingerprint`). */
  head(length: number): Promise<string>;
  /** Current size of a plain file (it may grow or shrink); undefined for `.gz` (complete by construction). */
  size(): Promise<number | undefined>;
  /** Last modification time (ms), also of a file deleted since it was opened. */
  modifiedMs(): Promise<number>;
  close(): Promise<void>;
}

/** Opens `path` as plain or gzip text (by its `.gz` suffix). */
export async function openLogSource(path: string): Promise<LogSource> {
  const fh = await open(path, 'r');
  try {
    const { ino } = await fh.stat();
    return path.endsWith('.gz') ? new GzSource(path, fh, ino) : new PlainSource(path, fh, ino);
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** Hash of the first bytes (empty string for 0 bytes; `short:N` when fewer exist): tells files apart by content. */
export function fingerprint(bytes: Buffer, length: number): string {
  if (length === 0) return '';
  if (bytes.length < length) return `short:${bytes.length}`;
  return createHash('sha256').update(bytes.subarray(0, length)).digest('hex').slice(0, 16);
}

class PlainSource implements LogSource {
  readonly kind = 'plain';
  constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    readonly inode: number,
  ) {}

  async readAt(buf: Buffer, at: number): Promise<number> {
    return (await this.fh.read(buf, 0, buf.length, at)).bytesRead;
  }

  async head(length: number): Promise<string> {
    const buf = Buffer.alloc(length);
    const { bytesRead } = length > 0 ? await this.fh.read(buf, 0, length, 0) : { bytesRead: 0 };
    return fingerprint(buf.subarray(0, bytesRead), length);
  }

  async size(): Promise<number> {
    return (await this.fh.stat()).size;
  }

  async modifiedMs(): Promise<number> {
    return (await this.fh.stat()).mtimeMs;
  }

  close(): Promise<void> {
    return this.fh.close().catch(() => undefined);
  }
}

/**
 * A rotated `.gz`: decompressed as a stream through our own descriptor (a rename or
 * delete by the log-shipper does not disturb it). Sequential reads only; the tailer
 * reads forward, and skipping to a resume offset decompresses and discards.
 */
class GzSource implements LogSource {
  readonly kind = 'gz';
  private stream: (Readable & AsyncIterable<Buffer>) | undefined;
  private iterator: AsyncIterator<Buffer> | undefined;
  private pos = 0;
  private rest: Buffer = Buffer.alloc(0);
  private done = false;

  constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    readonly inode: number,
  ) {}

  async readAt(buf: Buffer, at: number): Promise<number> {
    if (at < this.pos) this.restart();
    // `rest` holds the decompressed bytes from `pos` on; fill `buf` from `at` as far as the file goes.
    let n = 0;
    while (n < buf.length) {
      const want = at + n;
      if (this.pos + this.rest.length <= want) {
        this.pos += this.rest.length;
        this.rest = Buffer.alloc(0);
        const next = await this.next();
        if (!next) break;
        this.rest = next;
        continue;
      }
      const from = this.rest.subarray(want - this.pos);
      const copied = from.copy(buf, n);
      n += copied;
      this.rest = from.subarray(copied);
      this.pos = want + copied;
    }
    return n;
  }

  async head(length: number): Promise<string> {
    const parts: Buffer[] = [];
    let have = 0;
    const stream = this.open();
    try {
      for await (const chunk of stream) {
        parts.push(chunk);
        have += chunk.length;
        if (have >= length) break;
      }
    } finally {
      stream.destroy();
    }
    return fingerprint(Buffer.concat(parts), length);
  }

  async size(): Promise<undefined> {
    return undefined;
  }

  async modifiedMs(): Promise<number> {
    return (await this.fh.stat()).mtimeMs;
  }

  async close(): Promise<void> {
    this.stream?.destroy();
    await this.fh.close().catch(() => undefined);
  }

  private async next(): Promise<Buffer | undefined> {
    if (this.done) return undefined;
    this.iterator ??= (this.stream = this.open())[Symbol.asyncIterator]();
    const { value, done } = await this.iterator.next();
    if (done) {
      this.done = true;
      return undefined;
    }
    return value;
  }

  private restart(): void {
    this.stream?.destroy();
    this.stream = undefined;
    this.iterator = undefined;
    this.pos = 0;
    this.rest = Buffer.alloc(0);
    this.done = false;
  }

  /**
   * A gunzip stream over the whole file. Positional reads of our own (not
   * `fh.createReadStream`, whose destroy() closes the descriptor), so several streams
   * may share it and stopping one early leaves it open.
   */
  private open(): Readable & AsyncIterable<Buffer> {
    const fh = this.fh;
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let at = 0; ; ) {
        const buf = Buffer.allocUnsafe(64 * 1024);
        const { bytesRead } = await fh.read(buf, 0, buf.length, at);
        if (bytesRead === 0) return;
        at += bytesRead;
        yield buf.subarray(0, bytesRead);
      }
    }
    const raw = Readable.from(chunks(), { objectMode: false });
    const gunzip = createGunzip();
    raw.on('error', (err) => gunzip.destroy(err));
    // Stopping early (a fingerprint, close) must stop the file reads too; the descriptor stays ours.
    gunzip.on('close', () => raw.destroy());
    return raw.pipe(gunzip);
  }
}
