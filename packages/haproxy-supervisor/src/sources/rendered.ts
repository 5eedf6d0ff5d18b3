import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { readCurrent, type FetchResult, type Source } from '@api-server/core';

/** What `rendered/current` names. */
export interface RenderedPointer {
  id: string;
  dir: string;
}

/**
 * `rendered/current` as a Source for core's watch loop. `fetch` answers at once when
 * `current` names something other than `index`, else waits for a change: an inotify
 * event on the `rendered` directory (the symlink swap is a rename there), or the poll
 * interval as a safety net (events can be missed: a volume remounted, the directory
 * created after we started).
 */
export class RenderedSource implements Source<RenderedPointer | null> {
  readonly id: string;
  private watcher: FSWatcher | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly root: string,
    private readonly pollMs = 1000,
  ) {
    this.id = `rendered:${root}`;
  }

  async fetch({ index, signal }: { index: string | undefined; signal: AbortSignal }): Promise<FetchResult<RenderedPointer | null>> {
    let current = await readCurrent(this.root);
    if (marker(current) === index) {
      await this.changed(signal);
      current = await readCurrent(this.root);
    }
    return { value: current, index: marker(current) };
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  private changed(signal: AbortSignal): Promise<void> {
    this.ensureWatcher();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.pollMs);
      signal.addEventListener('abort', done, { once: true });
      this.wake = done;
    });
  }

  private ensureWatcher(): void {
    if (this.watcher) return;
    try {
      this.watcher = fsWatch(this.root, { persistent: false }, (_event, name) => {
        if (name === null || name === 'current') this.wake?.();
      });
      this.watcher.on('error', () => this.close());
    } catch {
      // No directory yet: the poll covers it, and the next wait tries again.
    }
  }
}

/** A non-numeric index, so core's watch never mistakes a hex id for a Consul index. */
function marker(pointer: RenderedPointer | null): string {
  return `id:${pointer?.id ?? ''}`;
}
