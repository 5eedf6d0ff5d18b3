import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@api-server/core';

/**
 * Where the tailer is: the file's inode, the byte offset just past the last complete
 * line it handed on, and a fingerprint of the file's first bytes so a recycled inode
 * number (rotated file deleted, new file given the same inode) is not mistaken for it.
 */
export interface TailPosition {
  inode: number;
  offset: number;
  /** sha256 (hex, first 16 chars) of the file's first `headLength` bytes. */
  head: string;
  headLength: number;
}

/** Reads a position file; a missing or unreadable one means "no position" (start fresh). */
export async function loadPosition(path: string): Promise<TailPosition | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return parsePosition(text);
}

/** Validates a position file's JSON; anything malformed is null. */
export function parsePosition(text: string): TailPosition | null {
  try {
    const value = JSON.parse(text) as Partial<TailPosition>;
    const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
    if (isCount(value.inode) && isCount(value.offset) && isCount(value.headLength) && typeof value.head === 'string') {
      return { inode: value.inode, offset: value.offset, head: value.head, headLength: value.headLength };
    }
  } catch {
    // fall through
  }
  return null;
}

/**
 * Mirrors the latest position to disk atomically, at most once per `intervalMs`
 * (an fsync per line would cost more than the parsing). `flush()` writes now; the
 * shutdown path calls it so a graceful restart resumes exactly where it stopped.
 */
export class PositionWriter {
  private latest: TailPosition | null = null;
  private written: string | null = null;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  writes = 0;

  constructor(
    private readonly path: string,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  update(position: TailPosition): void {
    this.latest = position;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.saveNow();
    }, this.intervalMs);
  }

  /** flush() without waiting; a failure goes to `onError`. */
  saveNow(): void {
    void this.flush().catch(this.onError);
  }

  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const next = this.chain.then(async () => {
      if (!this.latest) return;
      const body = `${JSON.stringify({ ...this.latest, savedAt: new Date().toISOString() })}\n`;
      const key = JSON.stringify(this.latest);
      if (key === this.written) return;
      await writeFileAtomic(this.path, body);
      this.written = key;
      this.writes++;
    });
    this.chain = next.catch(() => undefined);
    return next;
  }
}
