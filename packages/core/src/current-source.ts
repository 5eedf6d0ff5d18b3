import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { BackoffOptions } from './backoff.js';
import type { FetchResult, Source } from './source.js';
import { readCurrent } from './versions.js';
import { watch } from './watch.js';

/** What `<root>/current` names: the version id (its directory's name) and the resolved directory. */
export interface CurrentPointer {
  id: string;
  dir: string;
}

export interface CurrentSourceOptions {
  /** Longest wait between two looks at the link, ms: the safety net when inotify says nothing (default 1000). */
  pollMs?: number;
  /** Prefix of the source id, for logs (default `current`). */
  label?: string;
}

/**
 * `<root>/current`, the symlink every stage swaps to publish (core's `publishVersion`), as a
 * Source for core's watch loop: the one place that watches a `current` link. `fetch` answers
 * at once when `current` names something other than `index`, else waits for a change: an
 * inotify event on `root` (the swap is a rename inside it), or `pollMs` as a safety net
 * (events can be missed: some network and overlay filesystems, a remounted volume, a
 * directory created after we started). A missing link (or directory) is `null`, not an
 * error; a dangling link still names its id (readers find out when they open it).
 */
export class CurrentSource implements Source<CurrentPointer | null> {
  readonly id: string;
  private readonly pollMs: number;
  private watcher: FSWatcher | undefined;
  /** While `root` does not exist: its parent, to learn when it does. */
  private parentWatcher: FSWatcher | undefined;
  private wake: (() => void) | undefined;

  constructor(
    readonly root: string,
    opts: CurrentSourceOptions = {},
  ) {
    this.pollMs = opts.pollMs ?? 1000;
    this.id = `${opts.label ?? 'current'}:${root}`;
  }

  async fetch({ index, signal }: { index: string | undefined; signal: AbortSignal }): Promise<FetchResult<CurrentPointer | null>> {
    // Watch before reading, so a swap between the read and the wait is not left to the poll.
    this.ensureWatcher();
    let current = await readCurrent(this.root);
    if (currentMarker(current) === index) {
      await this.changed(signal);
      current = await readCurrent(this.root);
    }
    return { value: current, index: currentMarker(current) };
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.parentWatcher?.close();
    this.parentWatcher = undefined;
    this.wake?.();
  }

  private changed(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
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
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
      this.parentWatcher?.close();
      this.parentWatcher = undefined;
    } catch {
      // No directory yet (nothing published): at a pod's start the next stage is up before
      // the first publish creates it, and waiting for the poll cost up to pollMs of the
      // first route. Its parent says when it appears; the next fetch then watches it.
      this.watchParent();
    }
  }

  private watchParent(): void {
    if (this.parentWatcher) return;
    try {
      this.parentWatcher = fsWatch(dirname(this.root), { persistent: false }, (_event, name) => {
        if (name === null || name === basename(this.root)) this.wake?.();
      });
      this.parentWatcher.on('error', () => {
        this.parentWatcher?.close();
        this.parentWatcher = undefined;
      });
    } catch {
      // No parent either: the poll covers it.
    }
  }
}

/** A non-numeric index, so core's watch never mistakes a hex id for a Consul index. */
export function currentMarker(pointer: CurrentPointer | null): string {
  return `id:${pointer?.id ?? ''}`;
}

export interface WatchCurrentOptions extends CurrentSourceOptions {
  signal: AbortSignal;
  /** Each pointer that differs from the last one delivered, the first look included (null: nothing published). */
  onChange: (pointer: CurrentPointer | null) => void | Promise<void>;
  /** After every look at the link (about every `pollMs`), changed or not: a liveness beat. */
  onFetch?: (changed: boolean) => void;
  /** A look failed (e.g. `current` is not a symlink); the loop retries with backoff. */
  onError?: (err: unknown, attempt: number, delayMs: number) => void;
  backoff?: BackoffOptions;
}

/** Runs core's watch loop over `<root>/current` until the signal aborts. */
export async function watchCurrent(root: string, opts: WatchCurrentOptions): Promise<void> {
  const source = new CurrentSource(root, opts);
  try {
    await watch(source, {
      signal: opts.signal,
      onChange: (pointer) => opts.onChange(pointer),
      ...(opts.onFetch ? { onFetch: opts.onFetch } : {}),
      ...(opts.onError ? { onError: opts.onError } : {}),
      ...(opts.backoff ? { backoff: opts.backoff } : {}),
    });
  } finally {
    source.close();
  }
}
