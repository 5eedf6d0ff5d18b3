import { describe, expect, it } from 'vitest';
import { healthServiceQuery, kvGetQuery } from './queries.js';
import { Gauge, Registry } from 'prom-client';
import { ServiceCounts } from './service-instances.js';

function setup() {
  const registry = new Registry();
  const gauge = new Gauge({ name: 'renderer_service_instances', help: 'h', labelNames: ['service', 'query'] as const, registers: [registry] });
  const series = async () => (await gauge.get()).values.map((v) => [v.labels.query, v.value]).sort();
  return { counts: new ServiceCounts(gauge), series };
}

describe('ServiceCounts', () => {
  const web = healthServiceQuery('web', {});
  const canary = healthServiceQuery('web', { tag: 'canary' });
  const empty = healthServiceQuery('billing', {});
  const waiting = healthServiceQuery('api', {});
  const key = kvGetQuery('cfg/x');

  it('counts the instances of every health query answered, and only those', async () => {
    const { counts, series } = setup();
    const answers = new Map<string, unknown>([
      [web.id, [{ id: 'a' }, { id: 'b' }]],
      [canary.id, [{ id: 'a' }]],
      [empty.id, []],
      [key.id, 'value'],
    ]);
    counts.report([web, canary, empty, waiting, key], answers);
    expect(await series()).toEqual([[canary.id, 1], [empty.id, 0], [web.id, 2]].sort());
  });

  it('follows new answers under the same dependency list, and drops what the list no longer names', async () => {
    const { counts, series } = setup();
    const deps = [web, canary, empty];
    const answers = new Map<string, unknown>([[web.id, [{ id: 'a' }]], [canary.id, [{ id: 'a' }]], [empty.id, [{ id: 'x' }]]]);
    counts.report(deps, answers);
    // The same list object again (the worker resent nothing): new answers still count.
    answers.set(web.id, [{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    answers.set(empty.id, []);
    counts.report(deps, answers);
    expect(await series()).toEqual([[canary.id, 1], [empty.id, 0], [web.id, 3]].sort());
    // A new list without canary and billing, and web waiting again: all three series go.
    answers.delete(web.id);
    counts.report([web, waiting], answers);
    expect(await series()).toEqual([]);
    answers.set(waiting.id, [{ id: 'z' }]);
    counts.report([web, waiting], answers);
    expect(await series()).toEqual([[waiting.id, 1]]);
  });
});
