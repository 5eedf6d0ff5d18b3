import { stat } from 'node:fs/promises';
import { pause } from '@api-server/core';
import { openLogSource, type LogSource } from './log-source.js';
import type { TailPosition } from './position.js';
import { findFile, modifiedSince, newerThan, openSnapshot } from './rotated-files.js';

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
  /** Saved position to resume from, or null to start at the beginning of the live file. */
  start: TailPosition | null;
  pollMs: number;
  /** Called synchronously with each batch of complete lines and the position just past them. */
  onLines: (lines: string[], position: TailPosition) => void;
  onEvent?: (event: TailEvent) => void;
  /** Called after every poll, busy or idle: the liveness heartbeat. */
  onPoll?: () => void;
  /** Called when a poll found nothing new: everything written so far was handed on. */
  onCaughtUp?: () => void;
  onError?: (err: unknown) => void;
  chunkBytes?: number;
  maxLineBytes?: number;
}

interface OpenFile {
  source: LogSource;
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
 * a line: it reads the renamed file through its open descriptor to the end, then
 * every file newer than it (several, if several rotations happened meanwhile), each
 * from its first byte; it notices a truncation (size below the offset) and starts
 * that file again from 0. Positions are (inode, offset, head fingerprint), so a
 * restart resumes in the same file even after the log-shipper renamed it and gzipped
 * it (`haproxy.log.N.gz`, found by its fingerprint), then reads the newer ones.
 */
export class FileTailer {
  private file: OpenFile | undefined;
  /** Complete files newer than `file`, oldest first, to read after it (from 0). */
  private backlog: LogSource[] = [];
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
    return f ? { inode: f.source.inode, offset: f.committed, head: f.head, headLength: f.headLength } : this.closedAt;
  }

  /** Tails until the signal aborts; the file is closed on return. */
  async run(signal: AbortSignal): Promise<void> {
    try {
      // A failed resume (unreadable directory) is reported; the loop then waits for the live file.
      await this.resume(this.opts.start).catch((err: unknown) => this.opts.onError?.(err));
      while (!signal.aborted) {
        let busy = false;
        try {
          busy = await this.step();
        } catch (err) {
          this.opts.onError?.(err);
        }
        this.opts.onPoll?.();
        if (!busy) this.opts.onCaughtUp?.();
        if (!busy && !(await pause(this.opts.pollMs, signal))) break;
      }
    } finally {
      await this.close();
    }
  }

  /** Closes every open file; `position` keeps answering with where it stopped. */
  async close(): Promise<void> {
    this.closedAt = this.position;
    const open = [this.file?.source, ...this.backlog];
    this.file = undefined;
    this.backlog = [];
    await Promise.all(open.map((s) => s?.close()));
  }

  /**
   * Opens the file the saved position names (live, rotated or rotated and gzipped)
   * and queues the newer ones; if it is gone, the live file from 0.
   */
  async resume(start: TailPosition | null): Promise<void> {
    if (start) {
      const snapshot = await openSnapshot(this.opts.path);
      const at = await findFile(snapshot, start);
      const found = snapshot.files[at]?.source;
      if (found) {
        this.backlog = newerThan(snapshot, at);
        await snapshot.close([found, ...this.backlog]);
        const size = await found.size();
        const offset = size !== undefined && size < start.offset ? 0 : start.offset;
        if (offset !== start.offset) this.opts.onEvent?.({ type: 'truncated', file: found.path, inode: found.inode, size: size ?? 0, offset: start.offset });
        this.file = { source: found, committed: offset, pending: Buffer.alloc(0), head: start.head, headLength: start.headLength };
        this.opts.onEvent?.({ type: 'opened', file: found.path, inode: found.inode, offset, resumed: true });
        return;
      }
      await snapshot.close();
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

    if (this.backlog.length === 0) {
      const size = await file.source.size();
      if (size !== undefined) {
        if (size < file.committed + file.pending.length) {
          this.opts.onEvent?.({ type: 'truncated', file: this.opts.path, inode: file.source.inode, size, offset: file.committed + file.pending.length });
          Object.assign(file, { committed: 0, pending: Buffer.alloc(0), head: '', headLength: 0 });
          return true;
        }
        const live = await stat(this.opts.path).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return undefined; // renamed, new file not created yet: keep the old one
          throw err;
        });
        if (!live || live.ino === file.source.inode) return false;
        // Rotated. Bytes written between our last read and the rename are still ours.
        if ((await this.readChunk(file)) > 0) return true;
      }
      this.backlog = await this.newerFiles(file);
      if (this.backlog.length === 0) return false; // nothing newer exists yet
    }
    // `file` is complete: an unterminated last line is handed on as it is, then the next file from 0.
    const unterminated = file.pending.length;
    if (unterminated > 0) this.emit(file, [file.pending.toString('utf8')], unterminated);
    await file.source.close();
    const next = this.backlog.shift() as LogSource;
    this.file = { source: next, committed: 0, pending: Buffer.alloc(0), head: '', headLength: 0 };
    this.opts.onEvent?.({ type: 'opened', file: next.path, inode: next.inode, offset: 0, resumed: false });
    this.opts.onEvent?.({ type: 'rotated', fromInode: file.source.inode, toInode: next.inode, unterminatedBytes: unterminated });
    return true;
  }

  /**
   * The files written after `file`, oldest first. One rotation leaves just the new
   * live file; after several (a slow read, a stop) the ones in between come first.
   */
  private async newerFiles(file: OpenFile): Promise<LogSource[]> {
    const snapshot = await openSnapshot(this.opts.path);
    const at = await findFile(snapshot, { inode: file.source.inode, head: file.head, headLength: file.headLength });
    // Not found: deleted (by retention, or replaced). What was written after its last write is newer.
    const newer = at >= 0 ? newerThan(snapshot, at) : (await modifiedSince(snapshot, await file.source.modifiedMs())).filter((s) => s.inode !== file.source.inode);
    await snapshot.close(newer);
    return newer;
  }

  private async openLive(): Promise<boolean> {
    let source: LogSource;
    try {
      source = await openLogSource(this.opts.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    this.file = { source, committed: 0, pending: Buffer.alloc(0), head: '', headLength: 0 };
    this.opts.onEvent?.({ type: 'opened', file: this.opts.path, inode: source.inode, offset: 0, resumed: false });
    return true;
  }

  /** Reads one chunk and hands on its complete lines; returns the bytes read. */
  private async readChunk(file: OpenFile): Promise<number> {
    const at = file.committed + file.pending.length;
    const bytesRead = await file.source.readAt(this.buf, at);
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
      file.head = await file.source.head(file.headLength);
    }
    this.emit(file, lines, lastNewline + 1, true);
    return bytesRead;
  }

  private emit(file: OpenFile, lines: string[], bytes: number, keepPending = false): void {
    file.committed += bytes;
    if (!keepPending) file.pending = Buffer.alloc(0);
    this.opts.onLines(lines, { inode: file.source.inode, offset: file.committed, head: file.head, headLength: file.headLength });
  }
}
