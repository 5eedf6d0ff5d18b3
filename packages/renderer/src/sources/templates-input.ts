import { readCurrent, readTree, watchCurrent, type VersionFile } from '@api-server/core';

export interface TemplatesVersion {
  id: string;
  files: VersionFile[];
}

/**
 * `SHARED_DIR/templates/current`, as s3-sync publishes it, watched by core's
 * `current`-symlink source (inotify on the directory, a poll every `pollMs` as the
 * safety net). `onChange` fires when `current` moves after the first look; `onTick`
 * after every look (a liveness beat). Reads a version once and keeps it until
 * `current` moves.
 */
export class TemplatesInput {
  private loaded: TemplatesVersion | undefined;
  private controller: AbortController | undefined;

  constructor(
    readonly root: string,
    private readonly opts: { pollMs: number; onChange: () => void; onTick?: () => void },
  ) {}

  start(signal: AbortSignal): void {
    const controller = new AbortController();
    this.controller = controller;
    signal.addEventListener('abort', () => controller.abort(), { once: true, signal: controller.signal });
    let first = true;
    const tick = () => this.opts.onTick?.();
    void watchCurrent(this.root, {
      pollMs: this.opts.pollMs,
      signal: controller.signal,
      // The first look is the starting point (the first pass reads it anyway), not a change.
      onChange: () => {
        if (!first) this.opts.onChange();
        first = false;
      },
      onFetch: tick,
      onError: tick,
    });
  }

  stop(): void {
    this.controller?.abort();
  }

  /** The version `current` names, read into memory (null: nothing published yet). */
  async load(): Promise<TemplatesVersion | null> {
    const current = await readCurrent(this.root);
    if (!current) return null;
    if (this.loaded?.id !== current.id) this.loaded = { id: current.id, files: await readTree(current.dir) };
    return this.loaded;
  }
}
