import { createHash } from 'node:crypto';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { pause } from '@api-server/core';
import type { TailPosition } from './position.js';

/** What the tailer reports besides lines: an operator wants each of these counted. */
export type TailEvent =
  | { type: 'opened'; file: string; inode: number; offset: number; resumed: boolean }
  | { type: 'rotated'; fromInode: number; toInode: number | null; unterminatedBytes: number }
  | { type: 'truncated'; file: string; inode: number; size: number; offset: number }
  | { type: 'position-lost'; inode: number; offset: number }
  | { type: 'line-too-long'; bytes: number };

export interface TailerOptions {
  /** The live file, e.g. `LOG_DIR/haproxy.log`. */
  path: string;
  /** Where a rotated file may be found on restart (default `<path>.1`). */
  rotatedPaths?: string[];
  /** Saved position to resume from, or null to start at the beginning of the live file. */
  start: TailPosition | null;
  pollMs: number;
  /** Called synchronously with each batch of complete lines and the position just past them. */
  onLines: (lines: string[], position: TailPosition) => void;
  onEvent?: (event: TailEvent) => void;
  /** Called after every poll, busy or idle: the liveness heartbeat. */
  onPoll?: () => void;
  onError?: (err: unknown) => void;
  chunkBytes?: number;
  maxLineBytes?: number;
}

interface OpenFile {
  fh: FileHandle;
  inode: number;
  /** Offset just past the last complete line handed on. */
  committed: number;
  /** Bytes after `committed` that do not end in a newline yet. */
  pending: Buffer;
  head: string;
  headLength: number;
}

const HEAD_BYTES = 256;

/**
 * Follows one log file across rotations like `tail -F`, without losing or repeating
 * a line: it reads the renamed file through its open descriptor to the end before
 * switching to the new file, reads a new file from its first byte, notices a
 * truncation (size below the offset) and starts that file again from 0. Positions
 * are (inode, offset, head fingerprint), so a restart resumes in the same file even
 * if it has since been renamed to `<path>.1`.
 */
export class FileTailer {
  private file: OpenFile | undefined;
  /** The position when the file was closed at the end of run(). */
  private closedAt: TailPosition | null = null;
  private readonly buf: Buffer;
  private readonly maxLine: number;
  bytesRead = 0;

  constructor(private readonly opts: TailerOptions) {
    // 256 KiB per read: about 1,500 lines, a few ms of parsing between two turns of the loop.
    this.buf = Buffer.allocUnsafe(opts.chunkBytes ?? 1 << 18);
    this.maxLine = opts.maxLineBytes ?? 1 << 20;
  }

  /** The current position, or null before any file was opened. */
  get position(): TailPosition | null {
    const f = this.file;
    return f ? { inode: f.inode, offset: f.committed, head: f.head, headLength: f.headLength } : this.closedAt;
  }

  /** Tails until the signal aborts; the file is closed on return. */
  async run(signal: AbortSignal): Promise<void> {
    try {
      await this.resume(this.opts.start);
      while (!signal.aborted) {
        let busy = false;
        try {
          busy = await this.step();
        } catch (err) {
          this.opts.onError?.(err);
        }
        this.opts.onPoll?.();
        if (!busy && !(await pause(this.opts.pollMs, signal))) break;
      }
    } finally {
      this.closedAt = this.position;
      await this.file?.fh.close().catch(() => undefined);
      this.file = undefined;
    }
  }

  /** Opens the file the saved position names (live or rotated), else the live file from 0. */
  async resume(start: TailPosition | null): Promise<void> {
    if (start) {
      for (const candidate of [this.opts.path, ...(this.opts.rotatedPaths ?? [`${this.opts.path}.1`])]) {
        const s = await stat(candidate).catch(() => undefined);
        if (!s || s.ino !== start.inode) continue;
        const fh = await open(candidate, 'r');
        if ((await fingerprint(fh, start.headLength)) !== start.head) {
          await fh.close();
          continue;
        }
        const offset = s.size < start.offset ? 0 : start.offset;
        if (offset !== start.offset) this.opts.onEvent?.({ type: 'truncated', file: candidate, inode: s.ino, size: s.size, offset: start.offset });
        this.file = { fh, inode: s.ino, committed: offset, pending: Buffer.alloc(0), head: start.head, headLength: start.headLength };
        this.opts.onEvent?.({ type: 'opened', file: candidate, inode: s.ino, offset, resumed: true });
        return;
      }
      this.opts.onEvent?.({ type: 'position-lost', inode: start.inode, offset: start.offset });
    }
    await this.openLive();
  }

  /**
   * One unit of work: read a chunk, or at end of file check for truncation and
   * rotation. Returns true when something happened (the caller polls again at once).
   */
  async step(): Promise<boolean> {
    if (!this.file && !(await this.openLive())) return false;
    const file = this.file as OpenFile;
    if ((await this.readChunk(file)) > 0) return true;

    const size = (await file.fh.stat()).size;
    if (size < file.committed + file.pending.length) {
      this.opts.onEvent?.({ type: 'truncated', file: this.opts.path, inode: file.inode, size, offset: file.committed + file.pending.length });
      Object.assign(file, { committed: 0, pending: Buffer.alloc(0), head: '', headLength: 0 });
      return true;
    }
    const live = await stat(this.opts.path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined; // renamed, new file not created yet: keep the old one
      throw err;
    });
    if (!live || live.ino === file.inode) return false;
    // Rotated. Bytes written between our last read and the rename are still ours.
    if ((await this.readChunk(file)) > 0) return true;
    const unterminated = file.pending.length;
    if (unterminated > 0) this.emit(file, [file.pending.toString('utf8')], unterminated);
    await file.fh.close();
    this.file = undefined;
    const opened = await this.openLive();
    this.opts.onEvent?.({ type: 'rotated', fromInode: file.inode, toInode: opened ? (this.file as OpenFile | undefined)?.inode ?? null : null, unterminatedBytes: unterminated });
    return true;
  }

  private async openLive(): Promise<boolean> {
    let fh: FileHandle;
    try {
      fh = await open(this.opts.path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    const inode = (await fh.stat()).ino;
    this.file = { fh, inode, committed: 0, pending: Buffer.alloc(0), head: '', headLength: 0 };
    this.opts.onEvent?.({ type: 'opened', file: this.opts.path, inode, offset: 0, resumed: false });
    return true;
  }

  /** Reads one chunk and hands on its complete lines; returns the bytes read. */
  private async readChunk(file: OpenFile): Promise<number> {
    const at = file.committed + file.pending.length;
    const { bytesRead } = await file.fh.read(this.buf, 0, this.buf.length, at);
    if (bytesRead === 0) return 0;
    this.bytesRead += bytesRead;
    const fresh = this.buf.subarray(0, bytesRead);
    const data = file.pending.length > 0 ? Buffer.concat([file.pending, fresh]) : fresh;
    const lastNewline = data.lastIndexOf(0x0a);
    if (lastNewline === -1) {
      file.pending = Buffer.from(data);
      if (file.pending.length > this.maxLine) {
        // A runaway line must not grow memory without bound: hand it on as it is.
        this.opts.onEvent?.({ type: 'line-too-long', bytes: file.pending.length });
        this.emit(file, [file.pending.toString('utf8')], file.pending.length);
      }
      return bytesRead;
    }
    const lines = data.toString('utf8', 0, lastNewline).split('\n');
    const rest = data.subarray(lastNewline + 1);
    file.pending = rest.length > 0 ? Buffer.from(rest) : Buffer.alloc(0);
    if (file.headLength < HEAD_BYTES && file.committed + lastNewline + 1 > file.headLength) {
      file.headLength = Math.min(HEAD_BYTES, file.committed + lastNewline + 1);
      file.head = await fingerprint(file.fh, file.headLength);
    }
    this.emit(file, lines, lastNewline + 1, true);
    return bytesRead;
  }

  private emit(file: OpenFile, lines: string[], bytes: number, keepPending = false): void {
    file.committed += bytes;
    if (!keepPending) file.pending = Buffer.alloc(0);
    this.opts.onLines(lines, { inode: file.inode, offset: file.committed, head: file.head, headLength: file.headLength });
  }
}

/** Hash of a file's first `length` bytes (empty string for 0): tells a recycled inode apart. */
async function fingerprint(fh: FileHandle, length: number): Promise<string> {
  if (length === 0) return '';
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, 0);
  if (bytesRead < length) return `short:${bytesRead}`;
  return createHash('sha256').update(buf).digest('hex').slice(0, 16);
}
