import { describe, expect, it } from 'vitest';
import { CounterFamily, HistogramFamily, OVERFLOW_LABEL, renderFamilies } from './series-store.js';

const limits = { maxSeries: 3, ttlMs: 1000 };

describe('CounterFamily', () => {
  it('caps label sets and folds the rest into one overflow series, keeping the total', async () => {
    const c = new CounterFamily('x_total', 'X.', ['a', 'b'], limits);
    for (let i = 0; i < 10; i++) c.inc([`v${i % 5}`, 'k'], 1, 0);
    expect(c.series.size).toBe(3);
    expect(c.size).toBe(4);
    expect(c.overflowed).toBe(4); // v3 and v4, twice each
    const text = await renderFamilies([c]);
    const samples = text.split('\n').filter((l) => l.startsWith('x_total{'));
    expect(samples).toContain(`x_total{a="${OVERFLOW_LABEL}",b="${OVERFLOW_LABEL}"} 4`);
    expect(samples.reduce((sum, l) => sum + Number(l.split(' ')[1]), 0)).toBe(10);
    expect(text).toContain('log_metrics_series_overflow_total{metric="x_total"} 4\n');
    expect(text).toContain('log_metrics_series_limit{metric="x_total"} 3\n');
  });

  it('expires idle label sets, which frees room under the cap', () => {
    const c = new CounterFamily('x_total', 'X.', ['a'], limits);
    c.inc(['old'], 1, 0);
    c.inc(['new'], 1, 900);
    expect(c.expire(1500)).toBe(1);
    expect(c.get(['old'])).toBeUndefined();
    expect(c.get(['new'])).toBe(1);
    expect(c.expired).toBe(1);
  });

  it('escapes label values', async () => {
    const c = new CounterFamily('x_total', 'X.', ['a'], limits);
    c.inc(['q"b\\n\n'], 2, 0);
    expect(await renderFamilies([c])).toContain('x_total{a="q\\"b\\\\n\\n"} 2\n');
  });
});

describe('HistogramFamily', () => {
  it('renders cumulative buckets, sum and count', async () => {
    const h = new HistogramFamily('t_seconds', 'T.', ['backend'], limits, [0.1, 1]);
    for (const v of [0.05, 0.1, 0.5, 3]) h.observe(['be'], v, 0);
    const text = await renderFamilies([h]);
    expect(text).toContain(
      [
        '# HELP t_seconds T.',
        '# TYPE t_seconds histogram',
        't_seconds_bucket{backend="be",le="0.1"} 2',
        't_seconds_bucket{backend="be",le="1"} 3',
        't_seconds_bucket{backend="be",le="+Inf"} 4',
        't_seconds_sum{backend="be"} 3.65',
        't_seconds_count{backend="be"} 4',
      ].join('\n'),
    );
  });
});

describe('HistogramFamily storage', () => {
  it('reuses the slot of an expired label set with zeroed numbers', async () => {
    const h = new HistogramFamily('t_seconds', 'T.', ['backend'], { maxSeries: 200, ttlMs: 10 }, [1]);
    for (let i = 0; i < 100; i++) h.observe([`b${i}`], 0.5, 0); // grows the pool past its first size
    h.observe(['late'], 2, 5);
    expect(h.expire(12)).toBe(100);
    h.observe(['fresh'], 0.5, 12);
    const text = await renderFamilies([h]);
    expect(text).toContain('t_seconds_count{backend="fresh"} 1\n');
    expect(text).toContain('t_seconds_bucket{backend="late",le="1"} 0\n');
    expect(text).toContain('t_seconds_count{backend="late"} 1\n');
    expect(h.size).toBe(2);
  });
});
