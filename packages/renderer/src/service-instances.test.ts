import { describe, expect, it } from 'vitest';
import { healthServiceQuery, kvGetQuery } from './queries.js';
import { serviceCounts } from './service-instances.js';

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
