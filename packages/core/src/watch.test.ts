import { describe, expect, it } from 'vitest';
import { nextIndex, paceDelay, watch } from './watch.js';
import type { Source } from './source.js';

describe('nextIndex', () => {
  it.each([
    [undefined, '5', '5'],
    ['5', '7', '7'],
    ['7', '5', undefined], // went backwards: restart
    ['7', '0', undefined], // not positive: restart
    ['7', undefined, undefined],
    ['"etag-1"', '"etag-2"', '"etag-2"'],
  ])('%s -> %s gives %s', (prev, next, want) => {
    expect(nextIndex(prev, next)).toBe(want);
  });
});

describe('watch', () => {
  it('delivers only changed values, passes the index, and retries errors', async () => {
    const answers: Array<() => { value: number; index: string }> = [
      () => ({ value: 1, index: '10' }),
      () => ({ value: 1, index: '11' }),
      () => {
        throw new Error('consul down');
      },
      () => ({ value: 2, index: '12' }),
    ];
    const seenIndexes: Array<string | undefined> = [];
    const controller = new AbortController();
    const source: Source<number> = {
      id: 'test',
      async fetch({ index }) {
        seenIndexes.push(index);
        const next = answers.shift();
        if (!next) {
          controller.abort();
          throw Object.assign(new Error('aborted'), { name: 'AbortError' });
        }
        return next();
      },
    };
    const changes: number[] = [];
    const errors: string[] = [];
    await watch(source, {
      signal: controller.signal,
      onChange: (v) => {
        changes.push(v);
      },
      onError: (err) => errors.push((err as Error).message),
      backoff: { initialMs: 1, maxMs: 2 },
    });
    expect(changes).toEqual([1, 2]);
    expect(errors).toEqual(['consul down']);
    expect(seenIndexes).toEqual([undefined, '10', '11', undefined, '12']);
  });
});

describe('watch when handling fails', () => {
  it('delivers the same value again after onChange threw', async () => {
    const controller = new AbortController();
    let calls = 0;
    const source: Source<string> = {
      id: 'same',
      async fetch() {
        if (++calls > 3) controller.abort();
        return { value: 'v1', index: String(calls) };
      },
    };
    const attempts: string[] = [];
    await watch(source, {
      signal: controller.signal,
      backoff: { initialMs: 1, maxMs: 1 },
      onChange: (v) => {
        attempts.push(v);
        if (attempts.length === 1) throw new Error('disk full');
      },
    });
    expect(attempts).toEqual(['v1', 'v1']);
  });
});

describe('paceDelay (burst)', () => {
  it('lets `burst` fetches go at once, then one per minGapMs', () => {
    const bucket = { tokens: 3, at: 0 };
    // Three quick changes 10 ms apart: no wait.
    expect([paceDelay(bucket, 0, 250, 3), paceDelay(bucket, 10, 250, 3), paceDelay(bucket, 20, 250, 3)]).toEqual([0, 0, 0]);
    // The fourth waits for a token: 30 ms accrued 0.12 of one, so 220 ms more.
    expect(paceDelay(bucket, 30, 250, 3)).toBeCloseTo(220, 6);
  });

  it('refills while idle, never above burst', () => {
    const bucket = { tokens: 0, at: 0 };
    expect(paceDelay(bucket, 10_000, 250, 3)).toBe(0);
    expect(bucket.tokens).toBe(2);
    expect(paceDelay(bucket, 10_000, 250, 3)).toBe(0);
    expect(paceDelay(bucket, 10_000, 250, 3)).toBe(0);
    expect(paceDelay(bucket, 10_000, 250, 3)).toBe(250);
  });

  it('in the long run, one fetch per minGapMs', () => {
    const bucket = { tokens: 3, at: 0 };
    let now = 0;
    for (let i = 0; i < 43; i++) now += paceDelay(bucket, now, 250, 3);
    // 3 at once, then 40 more at 250 ms each.
    expect(now).toBeCloseTo(40 * 250, 6);
  });
});
