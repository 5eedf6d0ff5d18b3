import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { describeError } from './errors.js';

export type StageStatus = 'ok' | 'degraded' | 'failing';

/** `state/<component>.json` (docs/architecture.md, "shared directories"). */
export interface StageState {
  component: string;
  version: string;
  status: StageStatus;
  current: string | null;
  lastSuccessAt: string | null;
  lastAttemptAt: string | null;
  lastError: { at: string; message: string; code?: string; context?: Record<string, unknown> } | null;
  counters: Record<string, number>;
  [extra: string]: unknown;
}

/**
 * Keeps a stage's state in memory and mirrors it to its state file after each change.
 * Writes are serialised so a slow disk never reorders them, and coalesced (see flush).
 */
export class StateReporter {
  readonly state: StageState;
  private readonly path: string;
  private writing: Promise<unknown> = Promise.resolve();
  /** The write not yet started, which every flush until it starts joins. */
  private queued: Promise<void> | undefined;

  constructor(opts: { sharedDir: string; component: string; version: string }) {
    this.path = join(opts.sharedDir, 'state', `${opts.component}.json`);
    this.state = {
      component: opts.component,
      version: opts.version,
      status: 'failing',
      current: null,
      lastSuccessAt: null,
      lastAttemptAt: null,
      lastError: null,
      counters: {},
    };
  }

  count(name: string, by = 1): void {
    this.state.counters[name] = (this.state.counters[name] ?? 0) + by;
  }

  /** A step started; persisted with the outcome. */
  attempt(): void {
    this.state.lastAttemptAt = new Date().toISOString();
  }

  success(current: string | null, extra: Record<string, unknown> = {}): Promise<void> {
    const now = new Date().toISOString();
    Object.assign(this.state, extra, { status: 'ok', current, lastSuccessAt: now, lastError: null });
    this.state.lastAttemptAt ??= now;
    return this.flush();
  }

  /** A failed step: degraded while a last good version still serves, failing otherwise. */
  failure(err: unknown, extra: Record<string, unknown> = {}): Promise<void> {
    const now = new Date().toISOString();
    Object.assign(this.state, extra, {
      status: this.state.current ? 'degraded' : 'failing',
      lastAttemptAt: now,
      lastError: { at: now, ...describeError(err) },
    });
    return this.flush();
  }

  update(extra: Record<string, unknown>): Promise<void> {
    Object.assign(this.state, extra);
    return this.flush();
  }

  /**
   * Writes the state as it is when the write starts. Flushes asked for while a write
   * waits to start share it (a change of the supervisor makes several in a row), so
   * each resolves once the file holds its change, with one write instead of several.
   */
  flush(): Promise<void> {
    this.queued ??= this.writing.then(() => {
      this.queued = undefined;
      return writeFileAtomic(this.path, `${JSON.stringify(this.state, null, 2)}\n`, { durable: false });
    }).then(() => undefined);
    const next = this.queued;
    this.writing = next.catch(() => undefined);
    return next;
  }
}
