import { describe, expect, it } from 'vitest';
import { Limiter } from './limiter.js';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};
const tick = () => new Promise((r) => setImmediate(r));

describe('Limiter', () => {
  it('runs at most max tasks at once, the rest in FIFO order', async () => {
    const limiter = new Limiter(2);
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = gates.map((g, i) => limiter.run(async () => (started.push(i), await g.promise, i)));
    await tick();
    expect(started).toEqual([0, 1]);
    expect([limiter.running, limiter.waiting]).toEqual([2, 2]);
    gates[1]?.resolve();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    gates[0]?.resolve();
    gates[2]?.resolve();
    gates[3]?.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect([limiter.running, limiter.waiting]).toEqual([0, 0]);
  });

  it('a failing task frees its slot', async () => {
    const limiter = new Limiter(1);
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limiter.run(async () => 'next')).toBe('next');
  });

  it('an abort while queued rejects that task only and leaks no slot', async () => {
    const limiter = new Limiter(1);
    const gate = deferred();
    const first = limiter.run(() => gate.promise);
    const controller = new AbortController();
    let ran = false;
    const queued = limiter.run(async () => (ran = true), controller.signal);
    const third = limiter.run(async () => 'third');
    controller.abort(new Error('stop'));
    await expect(queued).rejects.toThrow('stop');
    expect(limiter.waiting).toBe(1);
    gate.resolve();
    await first;
    expect(await third).toBe('third');
    expect(ran).toBe(false);
    expect(limiter.running).toBe(0);
  });

  it('an already aborted signal never queues', async () => {
    const limiter = new Limiter(1);
    await expect(limiter.run(async () => 1, AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
    expect([limiter.running, limiter.waiting]).toEqual([0, 0]);
  });

  it.each([0, -1, 1.5])('rejects max=%s', (max) => {
    expect(() => new Limiter(max)).toThrow(RangeError);
  });
});
