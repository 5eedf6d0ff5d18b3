import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ChangeTimes } from './change-times.js';
import { rendererMetrics } from './metrics.js';

function setup() {
  let now = 1000;
  const registry = new Registry();
  const times = new ChangeTimes(rendererMetrics(registry), () => now);
  return { times, registry, at: (t: number) => (now = t) };
}

describe('ChangeTimes (renderer)', () => {
  it('a pass takes what was seen; a pass that did not publish gives it back, oldest first', () => {
    const { times, at } = setup();
    times.seen('health.service:web', '10');
    const first = times.take();
    expect(first).toEqual([{ query: 'health.service:web', index: '10', seenAt: 1000 }]);
    at(1100);
    times.seen('kv.get:x', undefined);
    times.giveBack(first);
    expect(times.take().map((c) => [c.query, c.seenAt])).toEqual([['health.service:web', 1000], ['kv.get:x', 1100]]);
    expect(times.take()).toEqual([]);
  });

  it('a published version observes each change per stage and gives the oldest change breakdown', async () => {
    const { times, registry } = setup();
    const record = { version: 'v1', changes: [{ query: 'a', index: '5', seenAt: 1000 }, { query: 'b', index: '6', seenAt: 1040 }], passAt: 1050, renderedAt: 1070, writtenAt: 1071 };
    const b = times.published(record, 1080)!;
    expect(b).toMatchObject({ version: 'v1', query: 'a', index: '5', changes: 2, ms: { passStart: 50, rendered: 70, published: 80 } });
    const text = await registry.metrics();
    expect(text).toMatch(/renderer_change_to_publish_seconds_count 2/);
    // 80 ms and 40 ms: both within the 0.1 s bucket, only one within 0.05 s.
    expect(text).toMatch(/renderer_change_to_publish_seconds_bucket\{le="0.05"\} 1/);
    expect(text).toMatch(/renderer_change_to_publish_seconds_bucket\{le="0.1"\} 2/);
  });
});
