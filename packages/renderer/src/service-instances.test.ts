import { describe, expect, it } from 'vitest';
import { healthServiceQuery, kvGetQuery } from './queries.js';
import { Gauge, Registry } from 'prom-client';
import { reportServiceCounts, serviceCounts } from './service-instances.js';

describe('serviceCounts', () => {
  it('counts the instances of every health query answered, and only those', () => {
    const web = healthServiceQuery('web', {});
    const canary = healthServiceQuery('web', { tag: 'canary' });
    const empty = healthServiceQuery('billing', {});
    const waiting = healthServiceQuery('api', {});
    const key = kvGetQuery('cfg/x');
    const answers = new Map<string, unknown>([
      [web.id, [{ id: 'a' }, { id: 'b' }]],
      [canary.id, [{ id: 'a' }]],
      [empty.id, []],
      [key.id, 'value'],
    ]);
    expect(serviceCounts([web, canary, empty, waiting, key], answers)).toEqual([
      { service: 'web', query: web.id, instances: 2 },
      { service: 'web', query: canary.id, instances: 1 },
      { service: 'billing', query: empty.id, instances: 0 },
    ]);
  });
});

describe('reportServiceCounts', () => {
  it('leaves the gauge with exactly the current counts, across passes that add, change and drop services', async () => {
    const registry = new Registry();
    const gauge = new Gauge({ name: 'renderer_service_instances', help: 'h', labelNames: ['service', 'query'] as const, registers: [registry] });
    const series = async () => (await gauge.get()).values.map((v) => [v.labels.service, v.value]).sort();
    reportServiceCounts(gauge, [{ service: 'a', query: 'qa', instances: 2 }, { service: 'b', query: 'qb', instances: 1 }]);
    expect(await series()).toEqual([['a', 2], ['b', 1]]);
    reportServiceCounts(gauge, [{ service: 'a', query: 'qa', instances: 3 }, { service: 'c', query: 'qc', instances: 0 }]);
    expect(await series()).toEqual([['a', 3], ['c', 0]]);
    reportServiceCounts(gauge, []);
    expect(await series()).toEqual([]);
  });
});
