import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { readCurrent, readTree, type VersionFile } from '@api-server/core';

export interface TemplatesVersion {
  id: string;
  files: VersionFile[];
}

/**
 * `SHARED_DIR/templates/current`, as s3-sync publishes it. Notices a new version by
 * watching the directory (the symlink swap is a rename inside it) and, as a safety
 * net for volumes where inotify says nothing (some network and overlay filesystems),
 * a cheap readlink poll. Reads a version once and keeps it until `current` moves.
 */
export class TemplatesInput {
  private loaded: TemplatesVersion | undefined;
  private lastLink: string | null | undefined;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly root: string,
    private readonly opts: { pollMs: number; onChange: () => void; onTick?: () => void },
  ) {}

  start(signal: AbortSignal): void {
    const tick = () => {
      this.opts.onTick?.();
      this.ensureWatcher();
      void this.check();
    };
    this.timer = setInterval(tick, this.opts.pollMs);
    this.timer.unref();
    signal.addEventListener('abort', () => this.stop(), { once: true });
    tick();
  }

  stop(): void {
    clearInterval(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
  }

  /** The version `current` names, read into memory (null: nothing published yet). */
  async load(): Promise<TemplatesVersion | null> {
    const current = await readCurrent(this.root);
    if (!current) return null;
    if (this.loaded?.id !== current.id) this.loaded = { id: current.id, files: await readTree(current.dir) };
    return this.loaded;
  }

  private ensureWatcher(): void {
    if (this.watcher) return;
    try {
      // The directory may not exist yet (s3-sync has not published); the poll retries.
      this.watcher = fsWatch(this.root, { persistent: false }, (_event, name) => {
        if (name === null || name === 'current') void this.check();
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      this.watcher = undefined;
    }
  }

  private async check(): Promise<void> {
    const link = await readlink(join(this.root, 'current')).catch(() => null);
    if (this.lastLink !== undefined && link !== this.lastLink) this.opts.onChange();
    this.lastLink = link;
  }
}
