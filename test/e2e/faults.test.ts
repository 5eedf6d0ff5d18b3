import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getText } from '../helpers/component.js';
import { waitFor } from '../helpers/ports.js';
import { EXAMPLE_TEMPLATES, metricValue, Pipeline } from '../helpers/pipeline.js';

/**
 * Issue 2's faults: bad templates, rejected configs, missing files, dependencies going
 * away, crashes mid-work. Through all of it a client keeps sending requests and not
 * one may fail: the last good config keeps serving.
 */
describe('pipeline faults', () => {
  let pipeline: Pipeline;
  const traffic = { sent: 0, failed: 0, errors: [] as string[], running: true, loop: Promise.resolve() };
  const HOST = 'web.example.test';

  beforeAll(async () => {
    pipeline = await Pipeline.start();
    await pipeline.uploadTree(EXAMPLE_TEMPLATES);
    for (const id of ['web-1', 'web-2']) await pipeline.addInstance('web', id);
    pipeline.startAll();
    await pipeline.waitForRouting(HOST, (b) => new Set(b).size === 2);
    // HAProxy routes a moment before the supervisor records what it runs.
    for (const component of ['s3-sync', 'renderer', 'haproxy-supervisor']) {
      await waitFor(async () => {
        const s = await pipeline.state(component).catch(() => undefined);
        return s?.status === 'ok' && typeof s.current === 'string';
      }, { what: `${component} state ok` });
    }
    traffic.loop = (async () => {
      while (traffic.running) {
        traffic.sent++;
        try {
          const res = await pipeline.request(HOST);
          if (res.status !== 200) {
            traffic.failed++;
            traffic.errors.push(`status ${res.status}`);
          }
        } catch (err) {
          traffic.failed++;
          traffic.errors.push(String(err));
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
  });

  afterAll(async () => {
    traffic.running = false;
    await traffic.loop;
    await pipeline?.stop();
  });

  const liveId = async () => (await pipeline.state('haproxy-supervisor')).current as string;
  const liveFiles = () => readdir(join(pipeline.sharedDir, 'live', 'current'));
  const supervisorMetric = async (name: string, labels: Record<string, string> = {}) =>
    metricValue((await getText(pipeline.metricsUrl('supervisor'))).body, name, labels);

  it('holds a template that fails to render (left out: it never rendered), names it, keeps the rest live, and recovers', async () => {
    const before = await liveId();
    await pipeline.putTemplate('50-broken.cfg.hbs', 'backend broken\n    mode http\n{{#each (service "web")}}\n    server {{id} {{address}}\n');
    const state = await waitFor(async () => {
      const s = await pipeline.state('renderer');
      return s.status === 'degraded' ? s : undefined;
    }, { what: 'renderer degraded' });
    expect(JSON.stringify(state.lastError)).toContain('50-broken.cfg.hbs');
    expect(state.lastError.context?.line ?? state.lastError.message).toBeTruthy();
    // Per-file isolation (issue 9): the other files go live; the broken one is not among them.
    expect(state.held).toMatchObject([{ file: '50-broken.cfg', template: '50-broken.cfg.hbs', code: 'TEMPLATE_PARSE' }]);
    const supervisorSaw = async () => (await pipeline.state('haproxy-supervisor')).rendered as string | undefined;
    await waitFor(async () => (await supervisorSaw()) === state.current, { what: 'the supervisor took the version without the broken file' });
    expect(await readdir(join(pipeline.sharedDir, 'rendered/current'))).not.toContain('50-broken.cfg');
    expect(await readdir(join(pipeline.sharedDir, 'live/current'))).not.toContain('50-broken.cfg');
    await pipeline.putTemplate('50-broken.cfg.hbs', 'backend broken\n    mode http\n');
    await waitFor(async () => (await pipeline.state('renderer')).status === 'ok', { what: 'renderer recovered' });
    const recovered = (await pipeline.state('renderer')).current as string;
    await waitFor(async () => (await supervisorSaw()) === recovered && (await liveId()) !== before, { what: 'the recovered version live' });
    expect(await readFile(join(pipeline.sharedDir, 'rendered/current/50-broken.cfg'), 'utf8')).toBe('backend broken\n    mode http\n');
  });

  // Per-file hold (changed on purpose): the failing file is held, left out as it was never
  // live, while the rest of the version goes ahead; the state names it in `held`.
  it('never makes a config that haproxy -c rejects live, names the file and line, and recovers', async () => {
    const checksBefore = await supervisorMetric('haproxy_supervisor_config_checks_total', { result: 'invalid' });
    await pipeline.putTemplate('60-typo.cfg', 'backend typo\n    mode http\n    balanse roundrobin\n');
    const state = await waitFor(async () => {
      const s = await pipeline.state('haproxy-supervisor');
      return s.status === 'degraded' ? s : undefined;
    }, { what: 'supervisor degraded' });
    expect(state.held).toEqual([expect.objectContaining({ file: '60-typo.cfg', template: null, line: 3, code: 'HAPROXY_CHECK' })]);
    expect(await liveFiles()).not.toContain('60-typo.cfg');
    expect(await supervisorMetric('haproxy_supervisor_config_checks_total', { result: 'invalid' })).toBeGreaterThan(Number.isNaN(checksBefore) ? 0 : checksBefore);
    await pipeline.s3.delete(pipeline.bucket, `${pipeline.prefix}/60-typo.cfg`);
    await waitFor(async () => (await pipeline.state('haproxy-supervisor')).status === 'ok', { what: 'supervisor recovered' });
  });

  it('refuses a template that refers to a missing map file', async () => {
    await pipeline.putTemplate('60-missing.cfg', 'backend missing\n    mode http\n    http-request set-var(txn.x) path,map(maps/does-not-exist.map)\n');
    const state = await waitFor(async () => {
      const s = await pipeline.state('haproxy-supervisor');
      return s.status === 'degraded' ? s : undefined;
    }, { what: 'supervisor degraded on missing map' });
    expect(JSON.stringify(state.held)).toContain('does-not-exist.map');
    expect(await liveFiles()).not.toContain('60-missing.cfg');
    await pipeline.s3.delete(pipeline.bucket, `${pipeline.prefix}/60-missing.cfg`);
    await waitFor(async () => (await pipeline.state('haproxy-supervisor')).status === 'ok', { what: 'supervisor recovered' });
  });

  it('does nothing when nothing changes: no versions, renders or reloads', async () => {
    await new Promise((r) => setTimeout(r, 1500)); // let the recovery above settle
    const count = async () => ({
      templates: (await readdir(join(pipeline.sharedDir, 'templates/releases'))).length,
      rendered: (await readdir(join(pipeline.sharedDir, 'rendered/releases'))).length,
      live: (await readdir(join(pipeline.sharedDir, 'live/releases'))).length,
      reloads: await supervisorMetric('haproxy_supervisor_reloads_total'),
      renders: metricValue((await getText(pipeline.metricsUrl('renderer'))).body, 'renderer_renders_total', { result: 'published' }),
      currents: await Promise.all(['templates', 'rendered', 'live'].map((d) => readlink(join(pipeline.sharedDir, d, 'current')))),
    });
    const before = await count();
    await new Promise((r) => setTimeout(r, 3000)); // 12 S3 poll intervals
    expect(await count()).toEqual(before);
  });

  it('keeps serving while Consul is down and resumes when it returns', async () => {
    await pipeline.consul.stop();
    await new Promise((r) => setTimeout(r, 2000));
    expect(Object.values(pipeline.components).every((c) => c.running)).toBe(true);
    expect((await pipeline.request(HOST)).status).toBe(200);
    await pipeline.consul.launch();
    // -dev keeps nothing: the catalog comes back empty, as after a real agent rebuild.
    for (const instance of pipeline.instances.values()) await instance.register(pipeline.consul);
    await pipeline.addInstance('web', 'web-9');
    await pipeline.waitForRouting(HOST, (b) => new Set(b).has('web-9'), { what: 'routing after consul restart' });
  });

  it('keeps serving while S3 is unreachable and syncs again when it returns', async () => {
    const before = await readlink(join(pipeline.sharedDir, 'templates/current'));
    await pipeline.s3.pause();
    const state = await waitFor(async () => {
      const s = await pipeline.state('s3-sync');
      return s.status === 'degraded' ? s : undefined;
    }, { what: 's3-sync degraded' });
    expect(state.lastError.message).toBeTruthy();
    expect(pipeline.components.s3Sync.running).toBe(true);
    expect(await readlink(join(pipeline.sharedDir, 'templates/current'))).toBe(before);
    expect((await pipeline.request(HOST)).status).toBe(200);
    await pipeline.s3.resume();
    await pipeline.putTemplate('70-note.cfg', '# synced after the outage\n');
    await waitFor(async () => {
      const dir = await readlink(join(pipeline.sharedDir, 'templates/current'));
      return (await readdir(join(pipeline.sharedDir, 'templates', dir))).includes('70-note.cfg');
    }, { what: 'sync after outage' });
    await waitFor(async () => (await pipeline.state('s3-sync')).status === 'ok', { what: 's3-sync ok' });
  });

  it('survives kill -9 of every component mid-work: no torn current, the stage continues', async () => {
    for (const name of ['s3Sync', 'renderer', 'supervisor'] as const) {
      const component = pipeline.components[name];
      await pipeline.putTemplate('80-churn.cfg', `# churn ${name} ${Date.now()}\n`);
      await new Promise((r) => setTimeout(r, 150));
      await component.stop('SIGKILL');
      component.start();
    }
    await pipeline.putTemplate('80-churn.cfg', '# final\n');
    await waitFor(async () => {
      const live = await readlink(join(pipeline.sharedDir, 'live/current'));
      return (await readFile(join(pipeline.sharedDir, 'live', live, '80-churn.cfg'), 'utf8').catch(() => '')) === '# final\n';
    }, { timeoutMs: 40_000, what: 'final churn live' });
    for (const stage of ['templates', 'rendered', 'live']) {
      const dir = join(pipeline.sharedDir, stage, await readlink(join(pipeline.sharedDir, stage, 'current')));
      const files = await readdir(dir);
      expect(files, stage).toContain(stage === 'templates' ? '20-http.cfg.hbs' : '20-http.cfg');
    }
    await pipeline.waitForRouting(HOST, (b) => b.every((x) => x.startsWith('web-')));
  });

  it('dropped no request through all of the above', async () => {
    expect(traffic.sent).toBeGreaterThan(200);
    expect(traffic.errors.slice(0, 5)).toEqual([]);
    expect(traffic.failed).toBe(0);
  });
});
