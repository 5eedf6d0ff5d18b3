import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineError } from '@api-server/core';
import { healthServiceQuery, kvGetQuery, kvTreeQuery } from '../queries.js';
import { ConsulClient, type ConsulClientOptions } from './consul-client.js';
import { KvGetSource } from './kv-get.js';
import { KvTreeSource } from './kv-tree.js';
import { HealthServiceSource } from './health-service.js';

/** A loopback stand-in for Consul's HTTP API: records requests, answers per a script. */
describe('ConsulClient and sources over HTTP', () => {
  let server: Server;
  let port = 0;
  const seen: Array<{ url: string; token: string | undefined }> = [];
  let respond: (req: IncomingMessage) => { status: number; body: unknown; index?: string; hang?: boolean; headers?: Record<string, string> } = () => ({ status: 200, body: [] });

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', token: req.headers['x-consul-token'] as string | undefined });
      const r = respond(req);
      if (r.hang) return;
      res.writeHead(r.status, { 'content-type': 'application/json', ...(r.index ? { 'x-consul-index': r.index } : {}), ...r.headers });
      res.end(JSON.stringify(r.body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const client = (o: Partial<ConsulClientOptions> = {}) =>
    new ConsulClient({ baseUrl: `http://127.0.0.1:${port}/v1` }, { token: 's3cret', waitSeconds: 7, random: () => 0.5, ...o });
  const params = (url: string | undefined) => new URL(`http://x${url}`).searchParams;
  const entry = { Node: { Node: 'n1', Address: '10.0.0.1' }, Service: { ID: 'web-1', Service: 'web', Port: 80, Tags: ['a'] }, Checks: [{ Status: 'passing' }] };

  it('sends the token and the query arguments, reads X-Consul-Index, blocks with index + wait', async () => {
    respond = () => ({ status: 200, body: [entry], index: '42' });
    const source = new HealthServiceSource(healthServiceQuery('web', { tag: 'a', dc: 'dc1' }), client());
    const first = await source.fetch({ index: undefined, signal: new AbortController().signal });
    expect(first).toEqual({ value: [expect.objectContaining({ id: 'web-1', address: '10.0.0.1', port: 80 })], index: '42' });
    await source.fetch({ index: '42', signal: new AbortController().signal });
    const [a, b] = seen.slice(-2);
    expect(a?.token).toBe('s3cret');
    expect(a?.url).toMatch(/^\/v1\/health\/service\/web\?/);
    expect(new URL(`http://x${a?.url}`).searchParams.get('passing')).toBe('true');
    expect(new URL(`http://x${a?.url}`).searchParams.get('tag')).toBe('a');
    expect(new URL(`http://x${a?.url}`).searchParams.get('dc')).toBe('dc1');
    expect(new URL(`http://x${a?.url}`).searchParams.get('index')).toBeNull();
    expect(new URL(`http://x${b?.url}`).searchParams.get('index')).toBe('42');
    expect(new URL(`http://x${b?.url}`).searchParams.get('wait')).toBe('7000ms');
  });

  it('a failure is a CONSUL_REQUEST error naming the query; the next fetch drops the stale index', async () => {
    respond = () => ({ status: 500, body: 'boom' });
    const source = new HealthServiceSource(healthServiceQuery('web'), client());
    const err = await source.fetch({ index: '99', signal: new AbortController().signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect(err).toMatchObject({ code: 'CONSUL_REQUEST', context: { query: 'health.service(web)' } });
    respond = () => ({ status: 200, body: [], index: '3' });
    await source.fetch({ index: '99', signal: new AbortController().signal });
    expect(new URL(`http://x${seen.at(-1)?.url}`).searchParams.get('index')).toBeNull();
  });

  it('an abort cancels a blocking request at once, as an AbortError', async () => {
    respond = () => ({ status: 200, body: [], hang: true });
    const source = new HealthServiceSource(healthServiceQuery('web'), client());
    const controller = new AbortController();
    const pending = source.fetch({ index: '5', signal: controller.signal }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    expect(await pending).toMatchObject({ name: 'AbortError' });
  });

  it('stale and cached reads: ?cached only where the agent caches; a too-stale answer is asked again of the leader', async () => {
    respond = (req) =>
      params(req.url).has('stale')
        ? { status: 200, body: [], index: '10', headers: { 'x-consul-lastcontact': '5000', 'x-consul-knownleader': 'true' } }
        : { status: 200, body: [entry], index: '11', headers: { 'x-consul-lastcontact': '0', 'x-consul-knownleader': 'true' } };
    const requeries: string[] = [];
    const c = client({ stale: true, cached: true, maxStaleMs: 1000, observer: { staleRequery: (q) => requeries.push(q) } });
    const before = seen.length;
    const result = await new HealthServiceSource(healthServiceQuery('web'), c).fetch({ index: '9', signal: new AbortController().signal });
    expect(result).toEqual({ value: [expect.objectContaining({ id: 'web-1' })], index: '11' });
    const [relaxed, leader] = seen.slice(before).map((r) => params(r.url));
    expect([relaxed?.has('stale'), relaxed?.has('cached'), relaxed?.get('index')]).toEqual([true, true, '9']);
    expect([leader?.has('stale'), leader?.has('cached'), leader?.get('index')]).toEqual([false, false, null]);
    expect(requeries).toEqual(['health.service(web)']);

    // KV is not cached by the agent: stale only.
    respond = () => ({ status: 200, body: [{ Key: 'a', Value: Buffer.from('v1').toString('base64') }], index: '3', headers: { 'x-consul-lastcontact': '10' } });
    expect(await new KvGetSource(kvGetQuery('a/b c'), c).fetch({ index: undefined, signal: new AbortController().signal })).toEqual({ value: 'v1', index: '3' });
    expect(seen.at(-1)?.url).toMatch(/^\/v1\/kv\/a\/b%20c\?stale=$/);
  });

  it('KV: values decoded, 404 is no key, a recursive list keeps every entry', async () => {
    respond = () => ({ status: 404, body: '', index: '8' });
    expect(await new KvGetSource(kvGetQuery('nope'), client()).fetch({ index: undefined, signal: new AbortController().signal })).toEqual({ value: null, index: '8' });
    const b64 = (t: string) => Buffer.from(t).toString('base64');
    respond = () => ({ status: 200, body: [{ Key: 'p/x', Value: b64('1') }, { Key: 'p/y', Value: b64('ü') }], index: '9' });
    const tree = await new KvTreeSource(kvTreeQuery('p'), client()).fetch({ index: undefined, signal: new AbortController().signal });
    expect(tree.value).toEqual([
      { key: 'x', path: 'p/x', value: '1' },
      { key: 'y', path: 'p/y', value: 'ü' },
    ]);
    expect(params(seen.at(-1)?.url).get('recurse')).toBe('true');
  });

  it('bounds immediate requests, never blocking ones', async () => {
    respond = () => ({ status: 200, body: [], hang: true });
    const c = client({ concurrency: 2 });
    const controller = new AbortController();
    const before = seen.length;
    const fetches = Array.from({ length: 5 }, (_, i) =>
      new HealthServiceSource(healthServiceQuery(`s${i}`), c).fetch({ index: undefined, signal: controller.signal }).catch(() => undefined),
    );
    // Polled, not slept: on a loaded machine requests take a while to arrive.
    const arrived = async (n: number) => {
      for (let waited = 0; seen.length - before < n && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 100));
      return seen.length - before;
    };
    expect(await arrived(2)).toBe(2);
    const blocking = Array.from({ length: 5 }, (_, i) =>
      new HealthServiceSource(healthServiceQuery(`b${i}`), c).fetch({ index: '7', signal: controller.signal }).catch(() => undefined),
    );
    expect(await arrived(7)).toBe(7);
    expect(c.openRequests).toBe(7);
    controller.abort();
    await Promise.all([...fetches, ...blocking]);
    expect(c.openRequests).toBe(0);
  });

  it('a blocking query that comes back with the index it was sent is not read: the last value again, same object', async () => {
    respond = () => ({ status: 200, body: [entry], index: '42' });
    const source = new HealthServiceSource(healthServiceQuery('web'), client());
    const first = await source.fetch({ index: undefined, signal: new AbortController().signal });
    // Same index, a body that would not even parse: never read.
    respond = () => ({ status: 200, body: '{not json', index: '42' });
    const again = await source.fetch({ index: '42', signal: new AbortController().signal });
    expect(again).toBe(first);
    // A new index is read as usual.
    respond = () => ({ status: 200, body: [], index: '43' });
    expect(await source.fetch({ index: '42', signal: new AbortController().signal })).toEqual({ value: [], index: '43' });
  });
});
