import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edgeRequest, proxyV1, proxyV2 } from '../helpers/edge-client.js';
import { waitFor } from '../helpers/ports.js';
import { EXAMPLE_TEMPLATES, Pipeline } from '../helpers/pipeline.js';

// Peers, all on the loopback (Linux routes 127.0.0.0/8 to lo): 127.0.0.1 is a client that
// connects directly, LB a balancer sending PROXY protocol, PROXY an HTTP proxy appending
// X-Forwarded-For. The release lists LB and PROXY the way production lists its balancers.
const LB = '127.0.0.2';
const PROXY = '127.0.0.3';
// Addresses of maps/geoip.map (the sample) and acl/denylist.acl in the example templates.
const KP = '175.45.176.10';
const US = '203.0.113.7';
const DE = '198.51.100.9';
const DENIED = '192.0.2.10';
const HOST = 'web.example.test';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * Issue 9 point 7: the example edge on the real pipeline (s3rver, Consul, renderer,
 * supervisor, HAProxy) under a client that controls every header it sends.
 */
describe('secure example edge', () => {
  let pipeline: Pipeline;
  const http = (opts: Parameters<typeof edgeRequest>[1] = {}) => edgeRequest(pipeline.ports.http, { host: HOST, ...opts });
  /** What the backend saw: the headers of the request HAProxy forwarded. */
  const backendSaw = async (opts: Parameters<typeof edgeRequest>[1] = {}) => {
    const res = await http({ ...opts, path: '/request-headers' });
    expect(res.status, res.body).toBe(200);
    return (JSON.parse(res.body) as { headers: Record<string, string | undefined> }).headers;
  };

  /** The first access-log line (the log-shipper's host file) matching `pattern`, once it has arrived. */
  const logLine = (pattern: RegExp) =>
    waitFor(async () => (await readFile(join(pipeline.logs!.dir, 'haproxy.log'), 'utf8').catch(() => '')).split('\n').find((l) => pattern.test(l)), {
      what: `a log line matching ${pattern}`,
    });

  beforeAll(async () => {
    pipeline = await Pipeline.start({ withLogs: true });
    await pipeline.uploadTree(EXAMPLE_TEMPLATES);
    await pipeline.putTemplate('acl/proxy-protocol-lbs.acl', `${LB}/32\n`);
    await pipeline.putTemplate('acl/trusted-proxies.acl', `${PROXY}/32\n`);
    await pipeline.addInstance('web', 'web-1');
    pipeline.startAll();
    await pipeline.waitForRouting(HOST, (b) => b.every((x) => x === 'web-1'));
  });

  afterAll(async () => {
    await pipeline?.stop();
  });

  it('passes the real client address in one X-Forwarded-For, whatever the client sent', async () => {
    const spoof = {
      'x-forwarded-for': '10.9.8.7',
      forwarded: 'for=10.9.8.7',
      'x-real-ip': '10.9.8.7',
      'true-client-ip': '10.9.8.7',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'evil.example',
    };
    const dropped = ['forwarded', 'x-real-ip', 'true-client-ip', 'x-forwarded-proto', 'x-forwarded-host'];
    const direct = await backendSaw({ headers: spoof });
    expect(direct).toMatchObject({ 'x-forwarded-for': '127.0.0.1', 'x-client-country': '--' });
    for (const h of dropped) expect(direct[h], h).toBeUndefined();
    // Behind the balancer: the client named in the PROXY header (v1 and v2), not the balancer.
    const v1 = await backendSaw({ from: LB, proxy: proxyV1(US), headers: spoof });
    expect(v1).toMatchObject({ 'x-forwarded-for': US, 'x-client-country': 'US' });
    for (const h of dropped) expect(v1[h], h).toBeUndefined();
    expect(await backendSaw({ from: LB, proxy: proxyV2(DE), headers: spoof })).toMatchObject({ 'x-forwarded-for': DE, 'x-client-country': 'DE' });
    // Behind a trusted HTTP proxy: the address it appended, not what the client put first;
    // the scheme and host it reports pass.
    expect(await backendSaw({ from: PROXY, headers: { ...spoof, 'x-forwarded-for': `10.9.8.7, ${US}` } })).toMatchObject({
      'x-forwarded-for': US,
      'x-client-country': 'US',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'evil.example',
    });
    // The access log names the same client.
    await logLine(new RegExp(` ${US.replaceAll('.', '\\.')}:\\d+ \\[.*"GET /request-headers`));
    expect(await logLine(/"GET \/request-headers/)).toMatch(/ 127\.0\.0\.1:\d+ \[/);
    expect(await readFile(join(pipeline.logs!.dir, 'haproxy.log'), 'utf8')).not.toMatch(/ 10\.9\.8\.7:\d+ \[/);
  });

  it('does not let a client pose as the balancer or the proxy', async () => {
    // A PROXY header from a peer that is not a listed balancer is a bad request.
    expect((await http({ proxy: proxyV1(US) })).status).toBe(400);
    expect((await http({ proxy: proxyV2(US) })).status).toBe(400);
    // A listed balancer's connection without a PROXY header is closed unanswered.
    await expect(http({ from: LB })).rejects.toThrow(/socket hang up|ECONNRESET/);
    // X-Forwarded-For from a direct client cannot reach the deny list or the country map.
    expect((await http({ headers: { 'x-forwarded-for': DENIED } })).status).toBe(200);
    expect((await http({ headers: { 'x-forwarded-for': KP } })).status).toBe(200);
  });

  it('blocks countries by the client address: a spoofed CF-IPCountry neither blocks nor unblocks', async () => {
    const direct = await http({ headers: { 'cf-ipcountry': 'KP' } });
    expect(direct).toMatchObject({ status: 200, body: 'web-1' });
    expect((await backendSaw({ headers: { 'cf-ipcountry': 'KP' } }))['cf-ipcountry']).toBeUndefined();
    for (const proxy of [proxyV1(KP), proxyV2(KP), proxyV1('2001:db8:4b50::1', '::1'), proxyV2('2001:db8:4b50::2')]) {
      const res = await http({ from: LB, proxy, headers: { 'cf-ipcountry': 'US' } });
      expect(res).toMatchObject({ status: 451, body: 'not available in your country' });
    }
    expect((await http({ from: PROXY, headers: { 'x-forwarded-for': KP, 'cf-ipcountry': 'US' } })).status).toBe(451);
    expect((await http({ from: LB, proxy: proxyV1(US), headers: { 'cf-ipcountry': 'KP' } })).status).toBe(200);
  });

  it('denies a denied source behind the balancer, passes an allowed one', async () => {
    expect((await http({ from: LB, proxy: proxyV1(DENIED) })).status).toBe(403);
    expect((await http({ from: LB, proxy: proxyV2('192.0.2.77') })).status).toBe(403);
    expect((await http({ from: PROXY, headers: { 'x-forwarded-for': DENIED } })).status).toBe(403);
    expect(await http({ from: LB, proxy: proxyV1(US) })).toMatchObject({ status: 200, body: 'web-1' });
    expect(await http({ from: LB, proxy: proxyV2(DE) })).toMatchObject({ status: 200, body: 'web-1' });
    expect(await http({ from: LB, proxy: proxyV2('2001:db8:de00::7') })).toMatchObject({ status: 200, body: 'web-1' });
  });

  it('keeps a well-formed X-Request-ID and replaces anything else by a fresh UUID', async () => {
    const id = async (headers: Record<string, string | string[]>) => (await backendSaw({ headers }))['x-request-id'] ?? '';
    expect(await id({ 'x-request-id': 'trace-0123-ABC' })).toBe('trace-0123-ABC');
    expect(await id({ 'x-request-id': 'a'.repeat(64) })).toBe('a'.repeat(64));
    const fresh = [
      await id({}),
      await id({}),
      await id({ 'x-request-id': 'a'.repeat(65) }),
      await id({ 'x-request-id': 'x" }, {"forged": 1' }),
      await id({ 'x-request-id': 'a b' }),
      await id({ 'x-request-id': ['one', 'two'] }),
      await id({ 'x-request-id': 'one,two' }),
    ];
    for (const value of fresh) expect(value).toMatch(UUID);
    expect(new Set(fresh).size).toBe(fresh.length);
    // The access log carries the id the backend got, never the forged one.
    expect(await logLine(new RegExp(fresh[3]!))).not.toContain('forged');
  });

  it('serves the stats page to the loopback only, /metrics and /healthz to any peer', async () => {
    const stats = (path: string, from: string) => edgeRequest(pipeline.ports.stats, { path, from });
    for (const path of ['/stats', '/stats;csv', '/stats?stats;up', '/']) {
      expect((await stats(path, LB)).status, path).toBe(403);
    }
    const page = await stats('/stats;csv', '127.0.0.1');
    expect(page.status).toBe(200);
    expect(page.body).toContain('web-1');
    const metrics = await stats('/metrics', LB);
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^haproxy_frontend_http_requests_total\{proxy="http"\} \d+/m);
    expect((await stats('/healthz', LB)).status).toBe(200);
  });

  it('matches allow and deny lists against the client address; the loopback is not allow-listed', async () => {
    // The lists as a security team would change them. First the loopback denied: the
    // shipped allow list does not save it.
    await pipeline.putTemplate('acl/denylist.acl', '192.0.2.0/24\n127.0.0.1/32\n');
    await waitFor(async () => (await http()).status === 403, { timeoutMs: 30_000, what: 'loopback denied' });
    expect((await http({ from: LB, proxy: proxyV1(US) })).status).toBe(200);
    // Then one blocked-country client allowed: it passes, its neighbour does not.
    await pipeline.putTemplate('acl/allowlist.acl', `${KP}/32\n`);
    await waitFor(async () => (await http({ from: LB, proxy: proxyV1(KP) })).status === 200, { timeoutMs: 30_000, what: 'new allow list live' });
    expect((await http()).status).toBe(403);
    expect((await http({ from: LB, proxy: proxyV1('175.45.176.11') })).status).toBe(451);
    expect((await http({ from: LB, proxy: proxyV1(US) })).status).toBe(200);
    // Allow-listing matches the client, not the proxy that carries it.
    expect((await http({ from: PROXY, headers: { 'x-forwarded-for': '175.45.176.11' } })).status).toBe(451);
  });
});
