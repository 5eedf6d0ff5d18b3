import { open, stat, truncate } from 'node:fs/promises';

/**
 * The master's stdout/stderr go to a file in `run/` rather than a pipe: a pipe dies
 * with the supervisor, the file outlives it, so a supervisor that adopts a running
 * master still reads why its next reload failed (2.6 answers `reload` with nothing and
 * keeps a failed reload's alerts out of `show startup-logs`).
 */
export class MasterLog {
  private offset = 0;

  constructor(readonly path: string) {}

  /** Marks the current end: `readNew` returns only what HAProxy writes after this. */
  async mark(): Promise<void> {
    this.offset = await this.size();
  }

  /** Text written since the last mark/readNew. */
  async readNew(): Promise<string> {
    const size = await this.size();
    if (size < this.offset) this.offset = 0;
    if (size === this.offset) return '';
    const handle = await open(this.path, 'r');
    try {
      const buf = Buffer.alloc(size - this.offset);
      await handle.read(buf, 0, buf.length, this.offset);
      this.offset = size;
      return buf.toString('utf8');
    } finally {
      await handle.close();
    }
  }

  /**
   * Keeps the file bounded. HAProxy holds it open with O_APPEND, so after a
   * truncate its next write lands at the new end, not at the old offset.
   */
  async trim(maxBytes: number): Promise<void> {
    if ((await this.size()) > maxBytes) {
      await truncate(this.path, 0);
      this.offset = 0;
    }
  }

  private async size(): Promise<number> {
    return stat(this.path).then(
      (s) => s.size,
      () => 0,
    );
  }
}
