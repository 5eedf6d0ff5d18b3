import { describe, expect, it } from 'vitest';
import { normalizeAgentSelf } from './node-info.js';
import { normalizeCatalogServices } from './catalog-services.js';
import { parseConsulAddr } from './consul-client.js';
import { normalizeHealth } from './health-service.js';
import { normalizeKvGet } from './kv-get.js';
import { normalizeKvTree } from './kv-tree.js';

describe('parseConsulAddr', () => {
  it.each([
    ['127.0.0.1:8500', false, 'http://127.0.0.1:8500/v1'],
    ['consul.local', false, 'http://consul.local:8500/v1'],
    ['10.0.0.1:8501', true, 'https://10.0.0.1:8501/v1'],
    ['http://10.0.0.1:8500', false, 'http://10.0.0.1:8500/v1'],
    ['https://consul.example', false, 'https://consul.example:443/v1'],
    ['http://[::1]:8500', false, 'http://[::1]:8500/v1'],
  ])('%s (ssl=%s)', (input, ssl, baseUrl) => {
    expect(parseConsulAddr(input, ssl)).toEqual({ baseUrl });
  });
  it.each(['unix:///var/run/consul.sock', 'ftp://x:1', 'http://'])('rejects %s', (input) => {
    expect(typeof parseConsulAddr(input)).toBe('string');
  });
});

describe('normalizeHealth', () => {
  const entry = (id: string, node: string, opts: { addr?: string; nodeAddr?: string; checks?: string[]; tags?: string[] | null } = {}) => ({
    Node: { Node: node, Address: opts.nodeAddr ?? '192.168.0.1' },
    Service: { ID: id, Service: 'web', Address: opts.addr ?? '', Port: 80, Tags: opts.tags === undefined ? ['t'] : opts.tags, Meta: null },
    Checks: (opts.checks ?? ['passing']).map((Status) => ({ Status })),
  });
  it('sorts by node then id, stably', () => {
    const out = normalizeHealth([entry('b', 'n2'), entry('z', 'n1'), entry('a', 'n2'), entry('a', 'n1')]);
    expect(out.map((i) => `${i.node}/${i.id}`)).toEqual(['n1/a', 'n1/z', 'n2/a', 'n2/b']);
  });
  it('falls back to the node address; null tags and meta become empty', () => {
    const [i] = normalizeHealth([entry('a', 'n1', { tags: null })]);
    expect(i).toEqual({ id: 'a', name: 'web', node: 'n1', address: '192.168.0.1', port: 80, tags: [], meta: {}, status: 'passing' });
    expect(normalizeHealth([entry('a', 'n1', { addr: '10.0.0.5' })])[0]?.address).toBe('10.0.0.5');
  });
  it.each([
    [['passing', 'passing'], 'passing'],
    [['passing', 'warning'], 'warning'],
    [['warning', 'critical', 'passing'], 'critical'],
    [['maintenance'], 'critical'],
  ])('status of checks %j is %s', (checks, status) => {
    expect(normalizeHealth([entry('a', 'n', { checks })])[0]?.status).toBe(status);
  });
  it('tolerates a non-array body', () => {
    expect(normalizeHealth(undefined)).toEqual([]);
  });
});

describe('other normalizers', () => {
  it('catalog services: sorted by name, tags sorted and unique', () => {
    expect(normalizeCatalogServices({ web: ['b', 'a', 'b'], consul: [], api: null })).toEqual([
      { name: 'api', tags: [] },
      { name: 'consul', tags: [] },
      { name: 'web', tags: ['a', 'b'] },
    ]);
  });
  it.each([
    [undefined, null],
    [{ Key: 'k', Value: 'v' }, 'v'],
    [{ Key: 'k', Value: null }, ''],
  ])('kv.get %j -> %j', (body, expected) => {
    expect(normalizeKvGet(body)).toBe(expected);
  });
  it('kv.tree: relative keys, folders dropped, sorted', () => {
    expect(
      normalizeKvTree('cfg/hosts', [
        { Key: 'cfg/hosts/b', Value: '2' },
        { Key: 'cfg/hosts/', Value: null },
        { Key: 'cfg/hosts/a', Value: '1' },
      ]),
    ).toEqual([
      { key: 'a', path: 'cfg/hosts/a', value: '1' },
      { key: 'b', path: 'cfg/hosts/b', value: '2' },
    ]);
    expect(normalizeKvTree('p', undefined)).toEqual([]);
  });
  it('agent.self: node name and member address', () => {
    expect(normalizeAgentSelf({ Config: { NodeName: 'n1', AdvertiseAddr: '10.0.0.2' }, Member: { Addr: '10.0.0.1' } })).toEqual({ name: 'n1', address: '10.0.0.1' });
  });
});
