import { describe, expect, it } from 'vitest';
import { ConnectionTable } from './connection-table.js';

const table = (max: number, idle = 1000) => new ConnectionTable<string>({ maxConnections: max, idleTimeoutMs: idle });

describe('ConnectionTable', () => {
  it.each([
    // [cap, connections added in order (time = index), then sent bytes in this order, expected victims]
    [3, ['a', 'b'], [], []],
    [3, ['a', 'b', 'c'], [], ['a']],
    [3, ['a', 'b', 'c'], ['a'], ['b']],
    [3, ['a', 'b', 'c'], ['a', 'b'], ['c']],
    [3, ['a', 'b', 'c'], ['c', 'b', 'a'], ['c']], // all senders: the least recently active one
    [3, ['a', 'b', 'c'], ['b', 'a', 'b'], ['c']], // a silent newcomer goes before any sender
    [1, ['a'], ['a'], ['a']],
  ])('cap %i, added %j, sent %j: makeRoom closes %j', (max, added, sent, victims) => {
    const t = table(max);
    added.forEach((c, i) => t.add(c, i));
    sent.forEach((c, i) => t.touch(c, 100 + i));
    expect(t.makeRoom()).toEqual(victims);
    expect(t.size).toBe(added.length - victims.length);
    expect(t.size).toBeLessThan(max);
  });

  it('makeRoom brings an over-full table (cap lowered) back under the cap, silent ones first', () => {
    const t = table(2);
    ['a', 'b', 'c', 'd'].forEach((c, i) => t.add(c, i));
    t.touch('a', 10);
    t.touch('b', 11);
    expect(t.makeRoom()).toEqual(['c', 'd', 'a']);
    expect(t.size).toBe(1);
  });

  it.each([
    [999, []],
    [1000, ['a']],
    [1500, ['a', 'b']],
    [5000, ['a', 'b', 'c']],
  ])('at t=%i the idle ones (timeout 1000) are %j', (now, idle) => {
    const t = table(10);
    t.add('a', 0);
    t.add('b', 500);
    t.add('c', 100);
    t.touch('c', 2000); // activity resets its clock
    expect(t.takeIdle(now)).toEqual(idle);
    expect(t.takeIdle(now)).toEqual([]);
  });

  it('touchAll restarts every clock (end of a pause); touch and delete ignore unknown connections', () => {
    const t = table(10);
    t.add('a', 0);
    t.add('b', 0);
    t.touch('b', 0);
    t.touchAll(5000);
    expect(t.takeIdle(5500)).toEqual([]);
    expect(t.takeIdle(6000)).toEqual(['a', 'b']);
    t.touch('zz', 1);
    expect(t.delete('zz')).toBe(false);
    expect(t.size).toBe(0);
  });
});
