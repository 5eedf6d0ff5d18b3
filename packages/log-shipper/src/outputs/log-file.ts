import { mkdir, open, rename, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir, PipelineError } from '@api-server/core';
import { compressRotated, pruneByAge, recoverRotated, shiftRotated, type RotationPolicy } from './rotation.js';
import { logShipperError, type LogShipperErrorCode } from '../error-codes.js';

/** What the file reports; the component turns these into metrics and state. */
export interface LogFileEvents {
  written(bytes: number, lines: number): void;
  rotated(reason: 'size' | 'age', deleted: number): void;
  /** ENOSPC/EDQUOT: `lines` could not be written (they still went to the sinks). */
  diskFull(lines: number): void;
  /** Any other write/rotate/compress failure. */
  error(err: PipelineError, lines: number): void;
  /** Too many bytes waiting for the disk: the caller should stop reading (true) or may resume (false). */
  pressure(high: boolean): void;
}

export interface LogFileOptions extends RotationPolicy {
  dir: string;
  name: string;
  maxBytes: number;
  /** 0: never rotate by age. */
  maxAgeMs: number;
  events: LogFileEvents;
  /** Pending bytes above which `pressure(true)` is reported. */
  highWaterBytes?: number;
}

const MAX_WRITE = 1024 * 1024;
const DISK_FULL = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

/**
 * `LOG_DIR/haproxy.log`: one record per line, appended in arrival order by a single
 * serialized writer, rotated by size or age with rename-then-reopen and gzipped in
 * the background. A full disk drops lines from the file (counted), never stops the
 * process, and writing resumes on the next batch once space returns.
 */
export class LogFile {
  private fd: FileHandle | undefined;
  private size = 0;
  private openedAt = 0;
  private pending: string[] = [];
  private head = 0;
  private pendingChars = 0;
  private draining: Promise<void> | undefined;
  private compressing: Promise<void> | undefined;
  private ageDue = false;
  private midLine = false;
  private high = false;
  private closed = false;
  readonly path: string;

  constructor(private readonly opts: LogFileOptions) {
    this.path = join(opts.dir, opts.name);
  }

  /** Recovers an interrupted rotation, then opens (appends to) the live file. */
  async open(): Promise<void> {
    await mkdir(this.opts.dir, { recursive: true });
    if (await recoverRotated(this.opts.dir, this.opts.name)) this.startCompression();
    await this.reopen();
  }

  get sizeBytes(): number {
    return this.size;
  }

  get pendingBytes(): number {
    return this.pendingChars;
  }

  /** Queues one line (no `\n`; CR/LF already replaced). */
  append(line: string): void {
    if (this.closed) return;
    this.pending.push(line);
    this.pendingChars += line.length + 1;
    if (!this.high && this.pendingChars > (this.opts.highWaterBytes ?? 4 * 1024 * 1024)) {
      this.high = true;
      this.opts.events.pressure(true);
    }
    this.draining ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drain());
  }

  /** Resolves once every line appended so far was written (or counted as failed). */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Periodic check: rotation by age, and a live file deleted or replaced behind our back. */
  async tick(now = Date.now()): Promise<void> {
    if (this.closed || this.draining) return;
    if (this.opts.maxAgeMs > 0 && this.size > 0 && now - this.openedAt >= this.opts.maxAgeMs) {
      this.ageDue = true;
      this.draining = this.drain();
      return;
    }
    const [onDisk, ours] = await Promise.all([stat(this.path).catch(() => undefined), this.fd?.stat().catch(() => undefined)]);
    if (!onDisk || !ours || onDisk.ino !== ours.ino || onDisk.dev !== ours.dev) {
      if (!this.draining) await this.reopen().catch((err: unknown) => this.fail('LOG_FILE_OPEN_FAILED', err, 0));
    }
  }

  /** flush(), then wait for a background gzip to finish (tests, shutdown). */
  async settled(): Promise<void> {
    await this.flush();
    await this.compressing;
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    await this.compressing;
    await this.fd?.close();
    this.fd = undefined;
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        if (this.ageDue || (this.size > 0 && this.size >= this.opts.maxBytes)) await this.rotate(this.ageDue ? 'age' : 'size');
        if (this.head >= this.pending.length) break;
        // Batches end at the size limit so files come out near it; while `.1` is still
        // compressing (no rotation possible) full-size batches keep the writer fast.
        const room = this.compressing ? MAX_WRITE : this.opts.maxBytes - this.size;
        const budget = Math.max(1, Math.min(MAX_WRITE, room));
        // A read index, not splice: taking from the front of a 100k-entry array is O(n).
        const start = this.head;
        let end = start;
        let chars = 0;
        while (end < this.pending.length && (end === start || chars + this.pending[end]!.length < budget)) chars += this.pending[end++]!.length + 1;
        const lines = start === 0 && end === this.pending.length ? this.pending : this.pending.slice(start, end);
        this.head = end;
        if (this.head === this.pending.length) {
          this.pending = [];
          this.head = 0;
        } else if (this.head > 65_536) {
          this.pending = this.pending.slice(this.head);
          this.head = 0;
        }
        this.pendingChars -= chars;
        const body = Buffer.from(`${this.midLine ? '\n' : ''}${lines.join('\n')}\n`);
        if (this.size > 0 && this.size + body.length > this.opts.maxBytes) await this.rotate('size');
        await this.write(body, lines.length);
      }
    } finally {
      this.draining = undefined;
      if (this.high && this.pendingChars < (this.opts.highWaterBytes ?? 4 * 1024 * 1024) / 2) {
        this.high = false;
        this.opts.events.pressure(false);
      }
      if (this.head < this.pending.length && !this.closed) this.draining = this.drain();
    }
  }

  private async write(body: Buffer, lines: number): Promise<void> {
    let done = 0;
    try {
      if (!this.fd) await this.reopen();
      while (done < body.length) {
        const { bytesWritten } = await this.fd!.write(body, done, body.length - done);
        if (bytesWritten <= 0) throw Object.assign(new Error('write returned 0 bytes'), { code: 'ENOSPC' });
        done += bytesWritten;
      }
      this.midLine = false;
      this.size += body.length;
      this.opts.events.written(body.length, lines);
    } catch (err) {
      this.size += done;
      // A line cut by the failure is finished by the newline we put first next time.
      this.midLine = done > 0 && body[done - 1] !== 10;
      const writtenLines = done === 0 ? 0 : countNewlines(body.subarray(0, done));
      if (done > 0) this.opts.events.written(done, writtenLines);
      const lost = lines - writtenLines;
      if (DISK_FULL.has((err as { code?: string }).code ?? '')) this.opts.events.diskFull(lost);
      else this.fail('LOG_FILE_WRITE_FAILED', err, lost);
    }
  }

  private async rotate(reason: 'size' | 'age'): Promise<void> {
    this.ageDue = false;
    // One rotation at a time: while `.1` is still being gzipped the live file grows on.
    if (this.compressing || this.size === 0) return;
    const { dir, name } = this.opts;
    try {
      const deleted = await shiftRotated(dir, name, this.opts.keep);
      await this.fd?.close();
      this.fd = undefined;
      await rename(this.path, join(dir, `${name}.1`));
      await this.reopen();
      await fsyncDir(dir);
      this.opts.events.rotated(reason, deleted.length);
      this.startCompression();
    } catch (err) {
      this.fail('LOG_ROTATE_FAILED', err, 0);
      if (!this.fd) await this.reopen().catch(() => undefined);
    }
  }

  private startCompression(): void {
    const { dir, name } = this.opts;
    this.compressing = compressRotated(dir, name, this.opts.gzipLevel)
      .then(() => pruneByAge(dir, name, this.opts.keepDays))
      .then(
        () => undefined,
        (err: unknown) => this.fail('LOG_COMPRESS_FAILED', err, 0),
      )
      .finally(() => {
        this.compressing = undefined;
      });
  }

  private async reopen(): Promise<void> {
    const old = this.fd;
    this.fd = undefined;
    await old?.close().catch(() => undefined);
    const fd = await open(this.path, 'a', 0o644);
    const info = await fd.stat();
    this.fd = fd;
    this.size = info.size;
    // birthtime when the filesystem records it: age survives a restart of the shipper.
    this.openedAt = info.size === 0 ? Date.now() : info.birthtimeMs > 0 ? info.birthtimeMs : info.ctimeMs;
    this.midLine = false;
  }

  private fail(code: LogShipperErrorCode, err: unknown, lines: number): void {
    this.opts.events.error(logShipperError(code, `${this.path}: ${(err as Error)?.message ?? String(err)}`, { cause: err, context: { path: this.path } }), lines);
  }
}

function countNewlines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  return n;
}
