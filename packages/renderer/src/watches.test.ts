import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FetchResult, Source } from '@api-server/core';
import { healthServiceQuery, kvGetQuery, type Query } from './queries.js';
import { DependencyWatches } from './watches.js';

/** An in-memory blocking source: fetch waits until the value's version passes `index`. */
class MemorySource implements Source<unknown> {
  version = 0;
  fetches = 0;
  private waiters: Array<() => void> = [];
  constructor(
    readonly id: string,
    public value: unknown,
  ) {}
  set(value: unknown): void {
    this.value = value;
    this.version++;
    this.waiters.splice(0).forEach((w) => w());
  }
  async fetch({ index, signal }: { index: string | undefined; signal: AbortSignal }): Promise<FetchResult<unknown>> {
    this.fetches++;
    if (index !== undefined && Number(index) === this.version + 1) {
      await new Promise<void>((resolve, reject) => {
        this.waiters.push(resolve);
        signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })), { once: true });
      });
    }
    return { value: this.value, index: String(this.version + 1) };
  }
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('DependencyWatches', () => {
  const controller = new AbortController();
  afterEach(() => vi.useRealTimers());

  function setup(values: Record<string, unknown>, graceMs = 30_000, now = () => Date.now()) {
    const sources = new Map<string, MemorySource>();
    const changes: string[] = [];
    const holds: string[] = [];
    const timers: Array<{ fn: () => void; at: number }> = [];
    const watches = new DependencyWatches({
      sourceFor: (q: Query) => {
        const s = new MemorySource(q.id, values[q.id]);
        sources.set(q.id, s);
        return s;
      },
      signal: controller.signal,
      emptyGraceMs: graceMs,
      minGapMs: 0,
      clock: { now, setTimeout: (fn, ms) => timers.push({ fn, at: now() + ms }), clearTimeout: () => undefined },
      events: { onChange: (q) => changes.push(q.id), onHold: (q) => holds.push(q.id) },
    });
    return { watches, sources, changes, holds, timers };
  }

  it('one watch per distinct query, shared; unused ones stop', async () => {
    const web = healthServiceQuery('web');
    const key = kvGetQuery('k');
    const { watches, sources, changes } = setup({ [web.id]: [{ id: 'a' }], [key.id]: 'v' });
    watches.ensure([web, key]);
    watches.ensure([healthServiceQuery('web'), key]);
    expect(watches.size).toBe(2);
    await tick();
    expect(watches.view.get(web)).toEqual([{ id: 'a' }]);
    expect(watches.view.get(key)).toBe('v');
    expect(changes.sort()).toEqual([web.id, key.id].sort());
    watches.retain(new Set([web.id]));
    expect(watches.ids()).toEqual([web.id]);
    // The list ensured before names `key` again: a watch it dropped since is started again.
    const list = [web, key];
    watches.ensure(list);
    watches.retain(new Set([web.id]));
    watches.ensure(list);
    expect(watches.ids().sort()).toEqual([web.id, key.id].sort());
    watches.retain(new Set([web.id]));
    expect(watches.ids()).toEqual([web.id]);
    expect(watches.view.get(key)).toBeUndefined();
    const before = sources.get(key.id)?.fetches;
    sources.get(key.id)?.set('w');
    await tick();
    expect(sources.get(key.id)?.fetches).toBe(before);
    watches.stop();
  });

  it('holds previous instances when a health query goes empty, then releases after the grace', async () => {
    let now = 1000;
    const web = healthServiceQuery('web');
    const { watches, sources, changes, holds, timers } = setup({ [web.id]: [{ id: 'a' }] }, 30_000, () => now);
    watches.ensure([web]);
    await tick();
    expect(changes).toEqual([web.id]);
    sources.get(web.id)?.set([]);
    await tick();
    expect(holds).toEqual([web.id]);
    expect(watches.view.get(web)).toEqual([{ id: 'a' }]);
    expect(changes).toHaveLength(1);
    expect(timers).toHaveLength(1);
    now = timers[0]!.at;
    timers[0]!.fn();
    expect(watches.view.get(web)).toEqual([]);
    expect(changes).toHaveLength(2);
    watches.stop();
  });

  it('instances that come back during the hold replace the held ones', async () => {
    const web = healthServiceQuery('web');
    const { watches, sources, holds } = setup({ [web.id]: [{ id: 'a' }] });
    watches.ensure([web]);
    await tick();
    sources.get(web.id)?.set([]);
    await tick();
    sources.get(web.id)?.set([{ id: 'b' }]);
    await tick();
    expect(holds).toHaveLength(1);
    expect(watches.view.get(web)).toEqual([{ id: 'b' }]);
    watches.stop();
  });
});
