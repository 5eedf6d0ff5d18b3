import { describe, expect, it } from 'vitest';
import { ApplyQueue } from './apply-queue.js';
import { Serial } from './serial.js';

type V = { id: string };
const v = (id: string): V => ({ id });

/** A fake apply: records each call and finishes only when the test releases it. */
function gatedApply() {
  const applied: string[] = [];
  const gates: Array<() => void> = [];
  const apply = (item: V) => {
    applied.push(item.id);
    return new Promise<void>((resolve) => gates.push(resolve));
  };
  /** Releases the apply under way, then lets the queue take its next version. */
  const release = async () => {
    gates.shift()?.();
    await new Promise((r) => setTimeout(r, 0));
  };
  return { applied, apply, release };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('ApplyQueue', () => {
  it('applies an isolated version at once, in the serial', async () => {
    const serial = new Serial();
    const order: string[] = [];
    const q = new ApplyQueue<V>(serial, async (item) => void order.push(`apply ${item.id}`), () => {});
    void serial.run(async () => void order.push('earlier step'));
    q.offer(v('a'));
    await q.close();
    expect(order).toEqual(['earlier step', 'apply a']);
  });

  it('while one version applies, only the newest waiting one is applied next', async () => {
    const g = gatedApply();
    const q = new ApplyQueue<V>(new Serial(), g.apply, () => {});
    q.offer(v('1'));
    await tick();
    for (const id of ['2', '3', '4']) q.offer(v(id));
    await g.release();
    await g.release();
    expect(g.applied).toEqual(['1', '4']);
  });

  it('does not apply the same version twice in a row, and applies a version offered again after another', async () => {
    const g = gatedApply();
    const q = new ApplyQueue<V>(new Serial(), g.apply, () => {});
    q.offer(v('a'));
    await tick();
    q.offer(v('a'));
    await g.release();
    expect(g.applied).toEqual(['a']);
    q.offer(v('b'));
    await tick();
    q.offer(v('a'));
    await g.release();
    await g.release();
    expect(g.applied).toEqual(['a', 'b', 'a']);
  });

  it('reports a failed apply and goes on with the next version', async () => {
    const errors: string[] = [];
    const applied: string[] = [];
    const q = new ApplyQueue<V>(
      new Serial(),
      async (item) => {
        applied.push(item.id);
        if (item.id === 'bad') throw new Error('boom');
      },
      (err, item) => errors.push(`${item.id}: ${(err as Error).message}`),
    );
    q.offer(v('bad'));
    await tick();
    q.offer(v('good'));
    await q.close();
    expect(applied).toEqual(['bad', 'good']);
    expect(errors).toEqual(['bad: boom']);
  });

  it('superseded: a newer version waits', async () => {
    const g = gatedApply();
    const q = new ApplyQueue<V>(new Serial(), g.apply, () => {});
    expect(q.superseded('a')).toBe(false);
    q.offer(v('a'));
    await tick();
    expect(q.superseded('a')).toBe(false);
    q.offer(v('b'));
    expect(q.superseded('a')).toBe(true);
    expect(q.superseded('b')).toBe(false);
    await g.release();
    await g.release();
  });

  it('retry takes the newest version again once taken, unless it is the excepted one', async () => {
    const g = gatedApply();
    const q = new ApplyQueue<V>(new Serial(), g.apply, () => {});
    expect(q.retry()).toBeNull();
    q.offer(v('a'));
    await g.release();
    expect(q.retry('a')).toBeNull();
    expect(q.retry()).toEqual(v('a'));
    await g.release();
    expect(g.applied).toEqual(['a', 'a']);
  });

  it('close: nothing new starts, the apply under way finishes first', async () => {
    const g = gatedApply();
    const q = new ApplyQueue<V>(new Serial(), g.apply, () => {});
    q.offer(v('a'));
    await tick();
    q.offer(v('b'));
    let closed = false;
    const closing = q.close().then(() => (closed = true));
    await tick();
    expect(closed).toBe(false);
    await g.release();
    await closing;
    q.offer(v('c'));
    await tick();
    expect(g.applied).toEqual(['a']);
  });
});
