import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliCommand } from '../../packages/haproxy-supervisor/src/haproxy/cli.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { EXAMPLE_TEMPLATES, metricValue, Pipeline } from '../helpers/pipeline.js';

/**
 * Issue 9's attacks on the running pipeline (s3-sync -> renderer -> supervisor ->
 * HAProxy): a service owner registers hostile values, a team publishes a template that
 * reaches outside KV, and at the same time another service keeps converging. Nothing
 * injected may reach rendered/ or live/, every offender is named, everyone else proceeds.
 */
describe('untrusted inputs through the running pipeline', () => {
  let pipeline: Pipeline;
  let injectedPort: number;
  const pwned = `/tmp/api-server-pwned-${process.pid}`;
  const served = (bodies: string[]) => new Set(bodies);

  // A team file written naively: every Consul value spliced as it comes.
  const NAIVE = [
    'backend naive',
    '    mode http',
    '{{#each (service "naive")}}',
    '    server {{id}} {{address}}:{{port}} weight {{meta.weight}}{{#each tags}} # {{this}}{{/each}}',
    '{{/each}}',
    '# note {{keyOrDefault "naive/note" "none"}}',
    '',
  ].join('\n');
  // A team file asking for a key outside the KV namespace (the renderer's token reads /v1/acl/tokens there).
  const ESCAPE = 'backend escape\n    mode http\n# {{key "../acl/tokens"}}\n';

  const releaseFiles = async (stage: 'rendered' | 'live') => {
    const dir = join(pipeline.sharedDir, stage, 'releases');
    const out: Array<{ path: string; text: string }> = [];
    for (const release of await readdir(dir)) {
      for (const name of await readdir(join(dir, release), { recursive: true })) {
        const path = join(dir, release, String(name));
        if (!path.endsWith('.cfg')) continue;
        out.push({ path, text: await readFile(path, 'utf8') });
      }
    }
    return out;
  };

  beforeAll(async () => {
    pipeline = await Pipeline.start();
    injectedPort = await freePort();
    await pipeline.uploadTree(EXAMPLE_TEMPLATES);
    await pipeline.putTemplate('50-naive.cfg.hbs', NAIVE);
    await pipeline.putTemplate('50-escape.cfg.hbs', ESCAPE);
    await pipeline.addInstance('web', 'web-1');
    const naive = await pipeline.addInstance('naive', 'naive-1');
    await pipeline.consul.register({ id: 'naive-1', name: 'naive', address: '127.0.0.1', port: naive.port, meta: { weight: '10' }, passing: true });
    pipeline.startAll();
    await pipeline.waitForRouting('naive.example.test', (b) => b.every((x) => x === 'naive-1'));
  });

  afterAll(async () => {
    await pipeline?.stop();
  });

  it('hostile registrations and KV values are refused and named while another service converges', async () => {
    const evil = [
      { id: 'naive-addr', address: `127.0.0.1\nglobal\n  stats socket ipv4@127.0.0.1:${injectedPort} level admin`, meta: { weight: '1' } },
      { id: 'naive-meta', address: '127.0.0.1', meta: { weight: `1\nprogram evil\n  command /bin/sh -c "touch ${pwned}"` } },
      { id: 'naive-tag', address: '127.0.0.1', meta: { weight: '1' }, tags: ['ok', `x\nglobal\n  stats socket ipv4@127.0.0.1:${injectedPort} level admin`] },
      { id: 'naive-semicolon', address: '127.0.0.1', meta: { weight: '1;new ssl ca-file /etc/passwd' } },
      { id: 'naive-space', address: '127.0.0.1', meta: { weight: '1 ssl ca-file /etc/passwd' } },
    ];
    for (const e of evil) await pipeline.consul.register({ name: 'naive', port: 1, passing: true, ...e });
    // An ID with a newline, straight through the agent API.
    await pipeline.consul.api('PUT', '/v1/agent/service/register', { ID: 'naive-id\nglobal', Name: 'naive', Address: '127.0.0.1', Port: 1, Meta: { weight: '1' } });
    await pipeline.consul.putKey('naive/note', `x\nprogram evil\n  command /bin/sh -c "touch ${pwned}"`);
    // Meanwhile another team's service scales out: it must converge as usual.
    await pipeline.addInstance('web', 'web-2');
    await pipeline.waitForRouting('web.example.test', (b) => served(b).has('web-1') && served(b).has('web-2'), { timeoutMs: 10_000, what: 'web-2 routed' });

    const refused = await waitFor(
      async () => {
        const list = ((await pipeline.state('renderer')).refused ?? []).map((r: { instance?: string; key?: string; field: string }) => `${r.instance ?? r.key}:${r.field}`);
        return list.length >= 7 ? list : undefined;
      },
      { what: 'every refusal named' },
    );
    expect(refused).toEqual(
      expect.arrayContaining([
        'naive-addr:address',
        'naive-meta:meta.weight',
        'naive-tag:tags[1]',
        'naive-semicolon:meta.weight',
        'naive-space:meta.weight',
        'naive-id\\nglobal:id',
        'naive/note:value',
      ]),
    );
    // The good instance of the naive service still serves; no hostile one was added.
    const bodies = await pipeline.waitForRouting('naive.example.test', (b) => b.every((x) => x === 'naive-1'));
    expect(served(bodies)).toEqual(new Set(['naive-1']));
    // Seven registrations, one usable instance: what the renderer counts for alerts.
    const metrics = await (await fetch(pipeline.metricsUrl('renderer'))).text();
    expect(metricValue(metrics, 'renderer_service_instances', { service: 'naive' })).toBe(1);
    expect(metricValue(metrics, 'renderer_service_instances', { service: 'web' })).toBe(2);
  });

  it('nothing injected reaches rendered/ or live/, and no injected section or command ran', async () => {
    for (const stage of ['rendered', 'live'] as const) {
      for (const file of await releaseFiles(stage)) {
        expect(file.text, file.path).not.toMatch(/program evil|ca-file|api-server-pwned|ipv4@127\.0\.0\.1:\d+ level admin/);
        expect(file.text, file.path).not.toMatch(/[\r\u2028\u2029\u0000]/);
      }
    }
    const live = await readFile(join(pipeline.sharedDir, 'live/current/50-naive.cfg'), 'utf8');
    expect(live.split('\n').filter((l) => l.trim().startsWith('server')).map((l) => l.trim().split(' ')[1])).toEqual(['naive-1']);
    expect(live).toContain('# note none');
    // No second admin socket on TCP, no program ran, no CA file loaded through a second CLI command.
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: injectedPort }, () => resolve(true)).on('error', () => resolve(false));
      socket.unref();
    });
    expect(open).toBe(false);
    expect(existsSync(pwned)).toBe(false);
    const cas = await cliCommand(join(pipeline.sharedDir, 'run/haproxy-admin.sock'), 'show ssl ca-file');
    expect(cas).not.toContain('/etc/passwd');
  });

  it('a template reaching outside KV is held alone and named; every other file went live', async () => {
    const held = await waitFor(async () => ((await pipeline.state('renderer')).held ?? []).find((h: { template?: string }) => h.template === '50-escape.cfg.hbs'), {
      what: 'the escaping template held',
    });
    expect(held).toMatchObject({ code: 'TEMPLATE_KV_PATH' });
    expect(existsSync(join(pipeline.sharedDir, 'rendered/current/50-escape.cfg'))).toBe(false);
    expect(existsSync(join(pipeline.sharedDir, 'live/current/50-naive.cfg'))).toBe(true);
    expect((await pipeline.state('haproxy-supervisor')).current).toEqual(expect.any(String));
  });
});
