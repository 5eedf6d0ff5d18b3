import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Quiescence, quiescenceDeadline } from './quiescence.js';

describe('quiescenceDeadline', () => {
  it.each([
    ['single change: min after it', 0, 0, 50, 1000, 50],
    ['changes keep coming: min after the last', 0, 300, 50, 1000, 350],
    ['never later than max after the first', 0, 990, 50, 1000, 1000],
    ['max below min: min wins', 0, 0, 50, 10, 50],
  ])('%s', (_n, first, last, min, max, expected) => {
    expect(quiescenceDeadline(first, last, min, max)).toBe(expected);
  });
});

describe('Quiescence', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  const clock = { now: () => Date.now(), setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms), clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };

  it('fires once per burst, min after the last change', () => {
    const fire = vi.fn();
    const q = new Quiescence(fire, { minMs: 50, maxMs: 1000 }, clock);
    q.trigger();
    vi.advanceTimersByTime(40);
    q.trigger();
    vi.advanceTimersByTime(40);
    expect(fire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(10);
    expect(fire).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(5000);
    expect(fire).toHaveBeenCalledTimes(1);
  });

  it('a steady stream of changes still fires at max', () => {
    const fire = vi.fn();
    const q = new Quiescence(fire, { minMs: 50, maxMs: 1000 }, clock);
    for (let t = 0; t < 1000; t += 20) {
      q.trigger();
      vi.advanceTimersByTime(20);
    }
    expect(fire).toHaveBeenCalledTimes(1);
    expect(q.pending).toBe(false);
  });

  it('cancel drops a pending fire', () => {
    const fire = vi.fn();
    const q = new Quiescence(fire, { minMs: 50, maxMs: 1000 }, clock);
    q.trigger();
    q.cancel();
    vi.advanceTimersByTime(2000);
    expect(fire).not.toHaveBeenCalled();
  });

  it('leading: a change after a quiet period fires at once; changes within min after it coalesce', () => {
    const fire = vi.fn();
    const q = new Quiescence(fire, { minMs: 50, maxMs: 1000, leading: true }, clock);
    q.trigger();
    expect(fire).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10);
    q.trigger();
    vi.advanceTimersByTime(20);
    q.trigger();
    expect(fire).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(50);
    expect(fire).toHaveBeenCalledTimes(2);
    // Quiet for min since the last fire: the next change is a leading edge again.
    vi.advanceTimersByTime(50);
    q.trigger();
    expect(fire).toHaveBeenCalledTimes(3);
    expect(q.pending).toBe(false);
  });

  it('leading: a steady stream still fires at most every max after the leading fire', () => {
    const fire = vi.fn();
    const q = new Quiescence(fire, { minMs: 50, maxMs: 1000, leading: true }, clock);
    for (let t = 0; t < 1000; t += 20) {
      q.trigger();
      vi.advanceTimersByTime(20);
    }
    expect(fire.mock.calls.length).toBeLessThanOrEqual(2);
  });
});
