import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishVersion } from '../../packages/core/src/index.js';
import type { ComponentProcess } from '../helpers/component.js';
import { ConsulDev } from '../helpers/consul.js';
import { metricValue } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/ports.js';
import { startRenderer } from '../helpers/renderer.js';

/**
 * Consul data is untrusted: the renderer as a process against a real `consul agent
 * -dev` with hostile registrations (newlines in an address, a meta value, a tag, an
 * ID; hostile KV values) beside good ones. A naively written template must render
 * only the good instances, the output must pass `haproxy -c`, every refusal must be
 * named in state/renderer.json and counted, and a new good instance of another
 * service must still go live while the hostile ones stay registered.
 */
describe('renderer with hostile Consul data', () => {
  let consul: ConsulDev;
  let root: string;
  let shared: string;
  let proc: ComponentProcess;
  let metrics: () => Promise<string>;

  const INJECTED = /global|program|stats socket|command|level admin|ca-file/;
  const WEB = [
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 1s',
    '  timeout server 1s',
    'frontend fe',
    "  bind 127.0.0.1:18080 # haproxy -c does not bind",
    '  default_backend web',
    'backend web',
    // Written naively on purpose: no haproxyId, no shape helpers.
    '{{#each (service "web")}}  server {{id}} {{address}}:{{port}} weight {{meta.weight}}',
    '{{/each}}',
    'backend api',
    '{{#each (service "api")}}  server {{haproxyId id}} {{address}}:{{port}}',
    '{{/each}}',
    '# note {{keyOrDefault "cfg/note" "none"}}',
    '{{#each (tree "cfg/hosts")}}# host {{key}} {{value}}',
    '{{/each}}',
  ].join('\n');
  const publishTemplates = (extra: Record<string, string> = {}) =>
    publishVersion(
      { root: join(shared, 'templates') },
      Object.entries({ '50-web.cfg.hbs': WEB, ...extra }).map(([path, text]) => ({ path, data: Buffer.from(text) })),
    );
  const rendered = () => readFile(join(shared, 'rendered/current/50-web.cfg'), 'utf8').catch(() => '');
  const state = async () => JSON.parse(await readFile(join(shared, 'state/renderer.json'), 'utf8')) as Record<string, any>;
  const allRendered = async () => {
    const dir = join(shared, 'rendered/current');
    const names = await readdir(dir);
    return (await Promise.all(names.map((n) => readFile(join(dir, n), 'utf8')))).join('\n');
  };
  const refusedInstances = async () => ((await state()).refused ?? []).map((r: { instance?: string; key?: string; field: string }) => `${r.instance ?? r.key}:${r.field}`);

  const hostile = {
    'web-addr': { address: '10.0.0.2\nglobal\n  stats socket ipv4@127.0.0.1:9999 level admin', meta: { weight: '1' } },
    'web-meta': { address: '10.0.0.3', meta: { weight: '1\nprogram x\n  command /bin/sh -c id' } },
    'web-tag': { address: '10.0.0.4', meta: { weight: '1' }, tags: ['ok', 'a\nglobal'] },
    'web-sep': { address: '10.0.0.5', meta: { weight: '1\u2028global' } },
    'web-space': { address: '10.0.0.6 backup', meta: { weight: '1' } },
    // No newline, but spaces and `;`: keywords spliced into a server line, two runtime-API commands.
    'web-words': { address: '10.0.0.8', meta: { weight: '1;new ssl ca-file /etc/passwd' } },
  };

  beforeAll(async () => {
    consul = await ConsulDev.start();
    root = await mkdtemp(join(tmpdir(), 'renderer-untrusted-'));
    shared = join(root, 'shared');
    await publishTemplates();
    await consul.register({ id: 'web-1', name: 'web', address: '10.0.0.1', port: 8080, meta: { weight: '10' } });
    for (const [id, h] of Object.entries(hostile)) await consul.register({ id, name: 'web', port: 8080, ...h });
    // An ID with a newline: registered through the API directly (its check ID would carry it too).
    await consul.api('PUT', '/v1/agent/service/register', { ID: 'web-id\nglobal', Name: 'web', Address: '10.0.0.7', Port: 8080, Meta: { weight: '1' } });
    await consul.register({ id: 'a/b', name: 'api', address: '10.0.1.1', port: 9000 });
    await consul.register({ id: 'a_b', name: 'api', address: '10.0.1.2', port: 9000 });
    await consul.putKey('cfg/note', 'x\nglobal');
    await consul.putKey('cfg/hosts/a', 'a.example');
    await consul.putKey('cfg/hosts/b', 'b.example\nglobal');
    ({ proc, metrics } = await startRenderer(shared, consul.addr, { NODE_NAME: 'n1', NODE_IP: '127.0.0.1' }));
  });

  afterAll(async () => {
    await proc?.stop();
    await consul?.destroy();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('renders only the good instances; nothing injected; haproxy -c accepts it', async () => {
    const text = await waitFor(async () => ((await rendered()).includes('server web-1') ? rendered() : undefined), { what: 'first render' });
    const webServers = text.split('\n').filter((l) => l.startsWith('  server') && l.includes(':8080'));
    expect(webServers).toEqual(['  server web-1 10.0.0.1:8080 weight 10']);
    expect(text).toContain('# note none\n');
    expect(text).toContain('# host a a.example\n');
    expect(text).not.toContain('# host b');
    expect(await allRendered()).not.toMatch(INJECTED);
    expect(await allRendered()).not.toMatch(/[\r\u2028\u2029\u0000]/);
    // `a/b` and `a_b` are two servers with two names (a duplicate name fails haproxy -c).
    const apiNames = text.split('\n').filter((l) => l.includes(':9000')).map((l) => l.trim().split(' ')[1]);
    expect(new Set(apiNames).size).toBe(2);
    const check = spawnSync('haproxy', ['-c', '-f', join(shared, 'rendered/current/50-web.cfg')], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
  });

  it('names every refusal in state/renderer.json (escaped) and counts it in the metric', async () => {
    await waitFor(async () => (await refusedInstances()).length >= 9, { what: 'refusals in the state file' });
    const s = await state();
    const names = await refusedInstances();
    expect(names).toEqual(
      expect.arrayContaining([
        'web-addr:address',
        'web-meta:meta.weight',
        'web-tag:tags[1]',
        'web-sep:meta.weight',
        'web-space:address',
        'web-words:meta.weight',
        'web-id\\nglobal:id',
        'cfg/note:value',
        'cfg/hosts/b:value',
      ]),
    );
    expect(s.refusedTotal).toBe(s.refused.length);
    for (const r of s.refused) {
      expect(r.query).toMatch(/^(health\.service\(web\)|kv\.get\(cfg%2Fnote\)|kv\.tree\(cfg%2Fhosts\))$/);
      expect(r.reason).toEqual(expect.any(String));
      for (const v of Object.values(r)) expect(String(v)).not.toMatch(/[\u0000-\u001f\u2028\u2029]/);
    }
    const body = await metrics();
    expect(metricValue(body, 'renderer_refused_values', { field: 'address' })).toBe(2);
    expect(metricValue(body, 'renderer_refused_values', { field: 'meta' })).toBe(3);
    expect(metricValue(body, 'renderer_refused_values', { field: 'value' })).toBe(2);
    expect(s.status).toBe('ok');
    // The log names each refusal as fields, the value escaped: every line is one JSON object.
    const logged = proc.logs().filter((l) => String(l.msg).startsWith('refused a value'));
    expect(logged).toContainEqual(expect.objectContaining({ query: 'health.service(web)', service: 'web', instance: 'web-addr', field: 'address' }));
    expect(logged).toContainEqual(expect.objectContaining({ instance: 'web-id\\nglobal', field: 'id' }));
    for (const line of proc.output.split('\n').filter((l) => l.trim())) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('a new good instance of another service goes live while the hostile ones stay registered', async () => {
    await consul.register({ id: 'api-3', name: 'api', address: '10.0.1.3', port: 9000 });
    const text = await waitFor(async () => ((await rendered()).includes('server api-3') ? rendered() : undefined), { what: 'api-3 rendered' });
    expect(text).toContain('  server api-3 10.0.1.3:9000\n');
    expect(text).not.toMatch(INJECTED);
  });

  it('a hostile instance registered later is named at once, though the rendered data does not change', async () => {
    // Let the passes of the previous step settle, so only this registration can start one.
    await new Promise((r) => setTimeout(r, 700));
    const before = await rendered();
    await consul.register({ id: 'web-late', name: 'web', address: '10.0.0.8', port: 8080, meta: { weight: '1\n  program late' } });
    await waitFor(async () => (await refusedInstances()).includes('web-late:meta.weight'), { what: 'late refusal in the state file' });
    expect(await rendered()).toBe(before);
  });

  it('a fixed value clears its refusal', async () => {
    await consul.register({ id: 'web-meta', name: 'web', address: '10.0.0.3', port: 8080, meta: { weight: '3' } });
    await waitFor(async () => ((await rendered()).includes('server web-meta 10.0.0.3:8080 weight 3') ? true : undefined), { what: 'web-meta fixed' });
    await waitFor(async () => !(await refusedInstances()).includes('web-meta:meta.weight'), { what: 'refusal cleared' });
  });

  it('a template asking for a key outside KV fails with its line; the last good version stays', async () => {
    const before = await rendered();
    await publishTemplates({ '60-leak.cfg.hbs': '# ok\n# {{key "../acl/tokens"}}\n' });
    await waitFor(async () => (await state()).lastError?.code === 'TEMPLATE_KV_PATH', { what: 'TEMPLATE_KV_PATH' });
    expect((await state()).lastError.context).toMatchObject({ template: '60-leak.cfg.hbs', line: 2 });
    expect(await rendered()).toBe(before);
  });

  it('no version ever published carries an injected line', async () => {
    const releases = join(shared, 'rendered/releases');
    const ids = (await readdir(releases)).filter((n) => !n.startsWith('.'));
    expect(ids.length).toBeGreaterThanOrEqual(3);
    for (const id of ids) {
      for (const name of await readdir(join(releases, id))) {
        const text = await readFile(join(releases, id, name), 'utf8');
        expect(text, `${id}/${name}`).not.toMatch(INJECTED);
        expect(text, `${id}/${name}`).not.toMatch(/[\r\u0000\u2028\u2029]/);
      }
    }
  });
});
