import { describe, expect, it } from 'vitest';
import { mapLimit } from './pool.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('mapLimit', () => {
  it('keeps order and never exceeds the limit', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit([1, 2, 3, 4, 5, 6, 7], 3, new AbortController().signal, async (n) => {
      peak = Math.max(peak, ++inFlight);
      await tick();
      inFlight--;
      return n * 2;
    });
    expect(out).toEqual([2, 4, 6, 8, 10, 12, 14]);
    expect(peak).toBe(3);
  });

  it('stops starting work after the first failure, aborts the rest, and rethrows it', async () => {
    const started: number[] = [];
    let abortedSeen = 0;
    const run = mapLimit([1, 2, 3, 4, 5, 6], 2, new AbortController().signal, async (n, signal) => {
      started.push(n);
      if (n === 1) throw new Error('boom');
      await tick();
      if (signal.aborted) abortedSeen++;
    });
    await expect(run).rejects.toThrow('boom');
    expect(started).toEqual([1, 2]);
    expect(abortedSeen).toBe(1);
  });

  it('handles an empty list', async () => {
    expect(await mapLimit([], 4, new AbortController().signal, async () => 1)).toEqual([]);
  });
});
