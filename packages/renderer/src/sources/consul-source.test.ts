import { describe, expect, it } from 'vitest';
import type { CatalogServicesQuery } from '../queries.js';
import { CatalogServicesSource } from './catalog-services.js';
import type { ConsulAnswer, ConsulClient } from './consul-client.js';

/** A client answering from a list, counting refusal reports (one per answer the source normalized). */
function scripted(answers: ConsulAnswer[]): { client: ConsulClient; reports: () => number } {
  let reports = 0;
  const client = {
    request: async () => answers.shift()!,
    reportRefusals: () => void reports++,
  } as unknown as ConsulClient;
  return { client, reports: () => reports };
}

const answer = (body: Record<string, string[]>, index: string): ConsulAnswer => {
  const text = JSON.stringify(body);
  return { body: JSON.parse(text), text, index };
};

describe('ConsulSource', () => {
  const query = { id: 'catalog.services', dc: undefined } as unknown as CatalogServicesQuery;
  const signal = new AbortController().signal;

  it('answers the same value object under a new index when the body is the same bytes, and a new one when they differ', async () => {
    const { client, reports } = scripted([answer({ web: ['a'] }, '1'), answer({ web: ['a'] }, '2'), answer({ web: ['a', 'b'] }, '3')]);
    const source = new CatalogServicesSource(query, client);
    const first = await source.fetch({ index: undefined, signal });
    const same = await source.fetch({ index: '1', signal });
    expect(same.index).toBe('2');
    expect(same.value).toBe(first.value);
    expect(reports()).toBe(1);
    const changed = await source.fetch({ index: '2', signal });
    expect(changed.index).toBe('3');
    expect(changed.value).not.toBe(first.value);
    expect(changed.value).toEqual([{ name: 'web', tags: ['a', 'b'] }]);
    expect(reports()).toBe(2);
  });
});
