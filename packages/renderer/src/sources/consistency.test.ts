import { describe, expect, it } from 'vitest';
import { consistencyParams, jitteredWaitMs, readMeta, tooStale, type ConsistencyOptions } from './consistency.js';

const opts = (o: Partial<ConsistencyOptions> = {}): ConsistencyOptions => ({ stale: false, maxStaleMs: 2000, cached: false, ...o });

describe('readMeta', () => {
  it('reads index, last contact, known leader and cache', () => {
    expect(readMeta({ 'x-consul-index': '42', 'x-consul-lastcontact': '150', 'x-consul-knownleader': 'true', 'x-cache': 'HIT' })).toEqual({
      index: '42',
      lastContactMs: 150,
      knownLeader: true,
      cache: 'HIT',
    });
  });
  it('leaves out what is absent or malformed', () => {
    expect(readMeta({ 'x-consul-lastcontact': 'soon', 'x-consul-knownleader': 'false' })).toEqual({ knownLeader: false });
    expect(readMeta({})).toEqual({});
  });
});

describe('consistencyParams', () => {
  it.each([
    [opts(), true, 'relaxed', {}],
    [opts({ stale: true }), false, 'relaxed', { stale: '' }],
    [opts({ cached: true }), true, 'relaxed', { cached: '' }],
    [opts({ cached: true }), false, 'relaxed', {}],
    [opts({ cached: true, stale: true }), true, 'relaxed', { cached: '', stale: '' }],
    [opts({ cached: true, stale: true }), true, 'leader', {}],
  ] as const)('%j cacheable=%s %s -> %j', (o, cacheable, mode, expected) => {
    expect(consistencyParams(o, cacheable, mode)).toEqual(expected);
  });
});

describe('tooStale', () => {
  it.each([
    ['default mode never re-asks', opts(), { lastContactMs: 60_000 }, true, false],
    ['stale within the bound', opts({ stale: true }), { lastContactMs: 2000, knownLeader: true }, true, false],
    ['stale beyond the bound', opts({ stale: true }), { lastContactMs: 2001, knownLeader: true }, true, true],
    ['stale from a server without a leader', opts({ stale: true }), { lastContactMs: 0, knownLeader: false }, true, true],
    ['stale without a bound', opts({ stale: true, maxStaleMs: 0 }), { lastContactMs: 99_999, knownLeader: false }, true, false],
    ['cached answer beyond the bound', opts({ cached: true }), { lastContactMs: 5000 }, true, true],
    ['cached flag on a non-cacheable endpoint reads from the leader anyway', opts({ cached: true }), { lastContactMs: 5000 }, false, false],
    ['no headers: taken as is', opts({ stale: true }), {}, true, false],
  ])('%s', (_name, o, meta, cacheable, expected) => {
    expect(tooStale(meta, o, cacheable)).toBe(expected);
  });
});

describe('jitteredWaitMs', () => {
  it('the wait give or take 1/16, at least 1 s, at most Consul\'s 10 minutes', () => {
    expect(jitteredWaitMs(300_000, () => 0.5)).toBe(300_000);
    expect(jitteredWaitMs(300_000, () => 0)).toBe(281_250);
    expect(jitteredWaitMs(300_000, () => 1)).toBe(318_750);
    expect(jitteredWaitMs(600_000, () => 1)).toBe(600_000);
    expect(jitteredWaitMs(1000, () => 0)).toBe(1000);
  });
  it('spreads 1,000 watches over the window, centred on the wait', () => {
    const waits = Array.from({ length: 1000 }, () => jitteredWaitMs(300_000));
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(281_250);
    expect(Math.max(...waits)).toBeLessThanOrEqual(318_750);
    expect(new Set(waits.map((w) => Math.floor(w / 5000))).size).toBeGreaterThanOrEqual(7);
    const mean = waits.reduce((a, b) => a + b, 0) / waits.length;
    expect(Math.abs(mean - 300_000)).toBeLessThan(3000);
  });
});
