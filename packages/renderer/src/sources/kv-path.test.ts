import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureDataView } from '../data-view.js';
import { healthServiceQuery, kvGetQuery, kvTreeQuery } from '../queries.js';
import { renderTree } from '../render/render-tree.js';
import { ConsulClient } from './consul-client.js';
import { HealthServiceSource } from './health-service.js';
import { KvGetSource } from './kv-get.js';
import { kvPathProblem, serviceNameProblem } from './kv-path.js';
import { KvTreeSource } from './kv-tree.js';

/** Keys that would leave /v1/kv (or change the query) if they reached a URL. */
const HOSTILE_KEYS = [
  '..',
  '../acl/tokens',
  '../../v1/agent/self',
  'a/../../acl/tokens',
  'a/..',
  './a',
  'a/./b',
  '/etc/passwd',
  '/a',
  'a//b',
  'a/',
  '%2e%2e/acl/tokens',
  'a%2f..%2f..',
  '..%2facl',
  '..\\acl\\tokens',
  'a\\..\\..\\agent\\self',
  'a?recurse=true',
  'a?dc=other',
  'a#frag',
  'a\nb',
  'a\r\nHost: evil',
  'a\u0000',
  'a\tb',
  'a\u2028b',
  'a\u0085b',
  'x'.repeat(513),
  '',
  '.',
  '%',
  'a%00b',
];

/** Odd but harmless keys: each is one encoded path segment set under /v1/kv. */
const ODD_KEYS = ['a b', 'a+b', 'a;b', 'a&b=c', 'ünï/cödé', 'a:b@c', '...', '.hidden/x', 'a..b', "a'b\"c"];

describe('kvPathProblem', () => {
  it.each(HOSTILE_KEYS.map((k) => [JSON.stringify(k).slice(0, 40), k]))('refuses key %s', (_n, key) => {
    expect(kvPathProblem(key, 'key')).toEqual(expect.any(String));
  });
  it.each(ODD_KEYS)('accepts key %j', (key) => {
    expect(kvPathProblem(key, 'key')).toBeUndefined();
  });
  it('a prefix may be empty or end with one slash', () => {
    expect(kvPathProblem('', 'prefix')).toBeUndefined();
    expect(kvPathProblem('cfg/hosts/', 'prefix')).toBeUndefined();
    expect(kvPathProblem('cfg//', 'prefix')).toEqual(expect.any(String));
    expect(kvPathProblem('../', 'prefix')).toEqual(expect.any(String));
  });
  it.each(['', '.', '..', 'a\nb'])('refuses service name %j', (name) => {
    expect(serviceNameProblem(name)).toEqual(expect.any(String));
  });
});

describe('no request leaves /v1/kv, whatever the key', () => {
  let server: Server;
  let port = 0;
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  const client = () => new ConsulClient({ baseUrl: `http://127.0.0.1:${port}/v1` }, { waitSeconds: 1 });
  const fetchOnce = (source: { fetch(o: { index: undefined; signal: AbortSignal }): Promise<unknown> }) =>
    source.fetch({ index: undefined, signal: new AbortController().signal }).then(
      () => 'answered',
      (err: { code?: string }) => err.code ?? 'error',
    );

  it.each(HOSTILE_KEYS.map((k) => [JSON.stringify(k).slice(0, 40), k]))('hostile key %s: refused before any request', async (_n, key) => {
    const before = seen.length;
    const c = client();
    expect(await fetchOnce(new KvGetSource(kvGetQuery(key), c))).toBe('CONSUL_KV_PATH');
    // '' (the whole store) and 'a/' are valid prefixes.
    if (key !== '' && key !== 'a/') expect(await fetchOnce(new KvTreeSource(kvTreeQuery(key), c))).toBe('CONSUL_KV_PATH');
    c.destroy();
    expect(seen.length).toBe(before);
  });

  it('odd keys are asked under /v1/kv as one encoded path each', async () => {
    const c = client();
    for (const key of ODD_KEYS) {
      seen.length = 0;
      expect(await fetchOnce(new KvGetSource(kvGetQuery(key), c))).toBe('answered');
      expect(await fetchOnce(new KvTreeSource(kvTreeQuery(key), c))).toBe('answered');
      for (const url of seen) {
        const parsed = new URL(`http://x${url}`);
        expect(parsed.pathname.startsWith('/v1/kv/')).toBe(true);
        expect(decodeURIComponent(parsed.pathname.slice('/v1/kv/'.length))).toBe(key);
        expect([...parsed.searchParams.keys()].every((k) => k === 'recurse')).toBe(true);
      }
    }
    c.destroy();
  });

  it('a service name of . or .. never reaches a URL', async () => {
    const c = client();
    seen.length = 0;
    for (const name of ['.', '..']) expect(await fetchOnce(new HealthServiceSource(healthServiceQuery(name), c))).toBe('CONSUL_SERVICE_NAME');
    expect(seen).toEqual([]);
    c.destroy();
  });
});

describe('the helpers refuse hostile keys with the template line', () => {
  const view = fixtureDataView({ kv: { 'cfg/a': '1' } });
  it.each(HOSTILE_KEYS.filter((k) => k !== '').map((k) => [JSON.stringify(k).slice(0, 40), k]))('%s', (_n, key) => {
    for (const src of [`\n{{key ${JSON.stringify(key)}}}`, `\n{{keyOrDefault ${JSON.stringify(key)} "d"}}`, `\n{{#each (tree ${JSON.stringify(key)})}}{{/each}}`]) {
      const result = renderTree([{ path: 't.hbs', data: Buffer.from(src) }], view);
      if (src.includes('tree') && key === 'a/') continue; // a prefix may end with "/"
      expect(result.errors[0]).toMatchObject({ code: 'TEMPLATE_KV_PATH', context: { template: 't.hbs', line: 2 } });
      expect(result.dependencies).toEqual([]);
    }
  });
  it('a service name of ..', () => {
    const result = renderTree([{ path: 't.hbs', data: Buffer.from('{{#each (service "..")}}{{/each}}') }], view);
    expect(result.errors[0]).toMatchObject({ code: 'TEMPLATE_HELPER', context: { line: 1 } });
  });
});
