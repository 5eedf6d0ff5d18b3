import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineError } from '@api-server/core';
import { healthServiceQuery } from '../queries.js';
import { ConsulClient } from './consul-client.js';
import { HealthServiceSource } from './health-service.js';

/** A loopback stand-in for Consul's HTTP API: records requests, answers per a script. */
describe('ConsulClient and sources over HTTP', () => {
  let server: Server;
  let port = 0;
  const seen: Array<{ url: string; token: string | undefined }> = [];
  let respond: (req: IncomingMessage) => { status: number; body: unknown; index?: string; hang?: boolean } = () => ({ status: 200, body: [] });

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', token: req.headers['x-consul-token'] as string | undefined });
      const r = respond(req);
      if (r.hang) return;
      res.writeHead(r.status, { 'content-type': 'application/json', ...(r.index ? { 'x-consul-index': r.index } : {}) });
      res.end(JSON.stringify(r.body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const client = () => new ConsulClient({ baseUrl: `http://127.0.0.1:${port}/v1` }, { token: 's3cret', waitSeconds: 7 });
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
    expect(new URL(`http://x${b?.url}`).searchParams.get('wait')).toBe('7s');
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
});
