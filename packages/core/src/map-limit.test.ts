import { describe, expect, it } from 'vitest';
import { mapLimit } from './map-limit.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('mapLimit', () => {
  it('keeps order and never exceeds the limit', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      peak = Math.max(peak, ++inFlight);
      await tick();
      inFlight--;
      return n * 2;
    });
    expect(out).toEqual([2, 4, 6, 8, 10, 12, 14]);
    expect(peak).toBe(3);
  });

  it('runs one at a time with limit 1, in order', async () => {
    const seen: number[] = [];
    await mapLimit([3, 1, 2], 1, async (n) => {
      await tick();
      seen.push(n);
    });
    expect(seen).toEqual([3, 1, 2]);
  });

  it('stops starting work after the first failure, aborts the rest, and rethrows it once they settled', async () => {
    const started: number[] = [];
    let abortedSeen = 0;
    let settled = 0;
    const run = mapLimit([1, 2, 3, 4, 5, 6], 2, async (n, signal) => {
      started.push(n);
      if (n === 1) throw new Error('boom');
      await tick();
      if (signal.aborted) abortedSeen++;
      settled++;
    });
    await expect(run).rejects.toThrow('boom');
    expect(started).toEqual([1, 2]);
    expect(abortedSeen).toBe(1);
    expect(settled).toBe(1);
  });

  it('an abort of the caller signal stops new work and rejects with its reason', async () => {
    const controller = new AbortController();
    const started: number[] = [];
    const run = mapLimit(
      [1, 2, 3, 4],
      1,
      async (n, signal) => {
        started.push(n);
        if (n === 2) controller.abort(new Error('shutdown'));
        await tick();
        expect(signal.aborted).toBe(n >= 2);
      },
      controller.signal,
    );
    await expect(run).rejects.toThrow('shutdown');
    expect(started).toEqual([1, 2]);
  });

  it('starts nothing when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    let calls = 0;
    await expect(mapLimit([1, 2], 2, async () => calls++, controller.signal)).rejects.toThrow('gone');
    expect(calls).toBe(0);
  });

  it('handles an empty list and rejects a limit below 1', async () => {
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
    await expect(mapLimit([1], 0, async () => 1)).rejects.toThrow(RangeError);
  });
});
