import { watch, type BackoffOptions, type Source } from '@api-server/core';
import { MapDataView, type DataView } from './data-view.js';
import { applyEmptyPolicy } from './empty-policy.js';
import type { Query } from './queries.js';
import { systemClock, type Clock } from './quiescence.js';

export interface WatchEvents {
  /** An answer that templates can see changed (first answer included); `index` is the answer's X-Consul-Index. */
  onChange(query: Query, index: string | undefined): void;
  onFetch?(query: Query, changed: boolean): void;
  onError?(query: Query, err: unknown, attempt: number, delayMs: number): void;
  /** A health query answered empty and its previous instances are held. */
  onHold?(query: Query, held: number, graceMs: number): void;
}

interface Entry {
  query: Query;
  controller: AbortController;
  /** Latest answer as Consul gave it (the cache may hold older instances). */
  raw?: unknown;
  /** Index of the latest answer (X-Consul-Index). */
  index?: string;
  heldSince?: number;
  holdTimer?: unknown;
}

/**
 * One watch per distinct query, shared by every template (the query id is the key),
 * each running core `watch()`; their answers go into one in-memory cache that the
 * render pass reads. A query no template uses any more is stopped and forgotten.
 */
export class DependencyWatches {
  private readonly entries = new Map<string, Entry>();
  private readonly cache = new Map<string, unknown>();
  readonly view: DataView = new MapDataView(this.cache);
  /** The last list `ensure` went through and the last set `retain` kept: the same objects again need no walk. */
  private ensured: readonly Query[] | undefined;
  private retained: ReadonlySet<string> | undefined;

  constructor(
    private readonly opts: {
      sourceFor: (query: Query) => Source<unknown>;
      signal: AbortSignal;
      events: WatchEvents;
      emptyGraceMs: number;
      minGapMs?: number;
      /** Answers that may re-arm at once before `minGapMs` paces them (core `watch` burst). */
      burst?: number;
      backoff?: BackoffOptions;
      clock?: Clock;
    },
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Query id -> the answer templates see (the render worker is sent what changed). */
  get answers(): ReadonlyMap<string, unknown> {
    return this.cache;
  }

  ids(): string[] {
    return [...this.entries.keys()];
  }

  /** Starts a watch for each query not watched yet (the list a pass got last time again: nothing to do). */
  ensure(queries: readonly Query[]): void {
    if (queries === this.ensured) return;
    this.ensured = queries;
    for (const query of queries) {
      if (this.entries.has(query.id) || this.opts.signal.aborted) continue;
      const controller = new AbortController();
      const entry: Entry = { query, controller };
      this.entries.set(query.id, entry);
      const signal = AbortSignal.any([this.opts.signal, controller.signal]);
      void watch(this.opts.sourceFor(query), {
        signal,
        // Re-arming is rate-limited, not delayed: up to 3 answers in a row re-arm at once
        // (the next change after a quick one is seen when it happens, not later), then one
        // per 100-120 ms (RENDER_WATCH_MIN_GAP_MS), so a flapping service costs at most
        // ~10 requests/s in the long run and its later changes are seen in slices. The
        // spread is kept small on purpose: the watches that saw one burst re-arm within
        // 20 ms of each other, so quiescence (min 50 ms) folds their next answers into
        // one version. Idle re-arms are spread by the jittered `wait` instead.
        minGapMs: this.opts.minGapMs ?? 100,
        burst: this.opts.burst ?? 3,
        jitter: 0.2,
        ...(this.opts.backoff ? { backoff: this.opts.backoff } : {}),
        onChange: (value, index) => this.accept(entry, value, index),
        onFetch: (changed) => this.opts.events.onFetch?.(query, changed),
        onError: (err, attempt, delay) => this.opts.events.onError?.(query, err, attempt, delay),
      });
    }
  }

  /** Stops every watch whose query id is not in `keep`, and drops its cached answer (the set kept last time again: nothing to do). */
  retain(keep: ReadonlySet<string>): void {
    if (keep === this.retained) return;
    this.retained = keep;
    for (const [id, entry] of this.entries) {
      if (keep.has(id)) continue;
      this.clearHold(entry);
      entry.controller.abort();
      this.entries.delete(id);
      this.cache.delete(id);
      // A list `ensure` saw may name this query again.
      this.ensured = undefined;
    }
  }

  stop(): void {
    this.retain(new Set());
  }

  private accept(entry: Entry, value: unknown, index: string | undefined): void {
    if (!this.entries.has(entry.query.id)) return;
    entry.raw = value;
    entry.index = index;
    if (entry.query.kind !== 'health.service') {
      this.cache.set(entry.query.id, value);
      this.opts.events.onChange(entry.query, index);
      return;
    }
    this.applyHealth(entry);
  }

  private applyHealth(entry: Entry): void {
    const clock = this.opts.clock ?? systemClock;
    const previous = this.cache.get(entry.query.id) as unknown[] | undefined;
    const result = applyEmptyPolicy(
      previous && { value: previous, ...(entry.heldSince === undefined ? {} : { heldSince: entry.heldSince }) },
      entry.raw as unknown[],
      clock.now(),
      this.opts.emptyGraceMs,
    );
    if (result.started) this.opts.events.onHold?.(entry.query, result.value.length, this.opts.emptyGraceMs);
    if (result.expiresAt === undefined) this.clearHold(entry);
    else if (entry.holdTimer === undefined) {
      entry.heldSince = result.heldSince;
      entry.holdTimer = clock.setTimeout(() => {
        entry.holdTimer = undefined;
        if (this.entries.has(entry.query.id)) this.applyHealth(entry);
      }, result.expiresAt - clock.now());
    }
    const changed = previous !== result.value;
    this.cache.set(entry.query.id, result.value);
    if (changed) this.opts.events.onChange(entry.query, entry.index);
  }

  private clearHold(entry: Entry): void {
    if (entry.holdTimer !== undefined) (this.opts.clock ?? systemClock).clearTimeout(entry.holdTimer);
    entry.holdTimer = undefined;
    entry.heldSince = undefined;
  }
}
