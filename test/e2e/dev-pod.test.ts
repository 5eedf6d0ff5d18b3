import { spawn } from 'node:child_process';
import { appendFile, cp, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { getWithHost } from '../../packages/devkit/src/http-probe.js';
import { DemoInstance } from '../helpers/pipeline.js';
import { REPO_ROOT } from '../helpers/component.js';
import { waitFor } from '../helpers/ports.js';

/** Every live descendant of `pid` (from /proc), so the test can prove none outlives the runner. */
async function descendants(pid: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid) parents.set(Number(entry), ppid);
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parents) if (parent === p) {
      out.push(child);
      walk(child);
    }
  };
  walk(pid);
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Issues 3, 12.6: `apictl-dev` (packages/devkit) starts the pod from deploy/k8s (the manifest's commands, env
 * and mounts) with embedded Consul and S3, routes a real request, and on Ctrl-C
 * leaves no process behind.
 */
const DEVKIT = join(REPO_ROOT, 'packages/devkit/dist/main.js');

/** GET with a Host header, returning one response header too (getWithHost gives status and body only). */
function headerOf(url: string, host: string, name: string): Promise<string | undefined> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: target.hostname, port: target.port, path: '/', headers: { host }, agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.headers[name] as string | undefined));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

describe('apictl-dev: the pod from its own manifest', () => {
  let workDir = '';
  let templates = '';
  afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
    if (templates) await rm(templates, { recursive: true, force: true });
  });

  it('routes requests, then shuts everything down on SIGINT with no orphan', { timeout: 240_000 }, async () => {
    workDir = await mkdtemp(join(tmpdir(), 'dev-pod-'));
    // A private copy of the templates: the test edits them, never the repository's own.
    templates = await mkdtemp(join(tmpdir(), 'dev-templates-'));
    await cp(join(REPO_ROOT, 'templates'), templates, { recursive: true, dereference: true });
    const runner = spawn(process.execPath, [DEVKIT, '--free-ports', '--quiet', '--work-dir', workDir, '--templates', templates], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    runner.stdout.on('data', (d: Buffer) => (output += d.toString()));
    runner.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((r) => runner.once('exit', (code) => r(code)));
    try {
      const ready = await waitFor(() => /^READY (.*)$/m.exec(output)?.[1], { timeoutMs: 150_000, what: 'READY from apictl-dev' }).catch((err: Error) => {
        throw new Error(`${err.message}; output:\n${output.slice(-4000)}`);
      });
      const { http } = JSON.parse(ready) as { http: string };
      const bodies = new Set<string>();
      for (let i = 0; i < 10; i++) {
        const res = await getWithHost(`${http}/`, 'web.localhost');
        expect(res.status).toBe(200);
        bodies.add(res.body.trim());
      }
      expect(bodies).toEqual(new Set(['web-1', 'web-2']));
      const api = await fetch(`${http}/api/users`);
      expect((await api.text()).trim()).toBe('api-1');

      // Each container ran with the manifest's volume view: the supervisor sees live/, the renderer does not.
      expect((await readdir(join(workDir, 'containers/haproxy-supervisor/shared'))).sort()).toEqual(['live', 'rendered', 'run', 'state', 'textfile']);
      expect((await readdir(join(workDir, 'containers/renderer/shared'))).sort()).toEqual(['rendered', 'state', 'templates', 'textfile']);
      const summary = JSON.parse(await readFile(join(workDir, 'dev.json'), 'utf8'));
      // The registrator runs where an engine answers (scripts/docker-engine.sh), else it is skipped with the reason.
      const engine = await stat('/var/run/docker.sock').then((st) => st.isSocket(), () => false);
      const ours = ['haproxy-supervisor', 'log-shipper', 'metrics', 'renderer', 's3-sync'];
      expect(Object.keys(summary.containers).sort()).toEqual(engine ? [...ours, 'registrator'].sort() : ours);
      if (!engine) expect(summary.skipped.map((s: { container: string }) => s.container)).toContain('registrator');

      // The banner lists every listener and /metrics, how to register, status with the right directory; no macOS `open`.
      const banner = output.slice(0, output.indexOf('READY'));
      for (const c of Object.values(summary.containers) as Array<{ metrics: string[] }>) for (const m of c.metrics) expect(banner).toContain(m);
      expect(banner).toMatch(/HTTP +http:\/\/127\.0\.0\.1:\d+/);
      expect(banner).toMatch(/TCP +127\.0\.0\.1:\d+/);
      expect(banner).toContain(`apictl status --shared-dir ${workDir}/containers/haproxy-supervisor/shared`);
      expect(banner).toMatch(/apictl-dev register NAME PORT/);
      expect(banner).not.toMatch(/^\s*open /m);

      // The engineer's loop: a saved template edit goes live in the running pod.
      const web = join(templates, '50-frontend-web.cfg.hbs');
      const edited = Date.now();
      await appendFile(web, '    http-response set-header x-dev-edit one\n');
      await waitFor(async () => (await headerOf(http, 'web.localhost', 'x-dev-edit')) === 'one', { timeoutMs: 30_000, intervalMs: 50, what: 'the edit live' });
      const editToLiveMs = Date.now() - edited;
      expect(output).toMatch(/\[templates\] published release [0-9a-f]{16}/);
      const publishMs = [...output.matchAll(/published release [0-9a-f]{16} in (\d+) ms/g)].at(-1)?.[1];
      console.log(`dev loop: template edit live in ${editToLiveMs} ms (of which validate + publish ${publishMs} ms)`);

      // A broken save: shown with file:line, not published; the pod keeps serving the last good release.
      const before = output.length;
      await appendFile(web, '    no-such-keyword on\n');
      await waitFor(() => /not published/.test(output.slice(before)), { timeoutMs: 30_000, what: 'the broken edit reported' });
      const report = output.slice(before);
      expect(report).toMatch(/50-frontend-web\.cfg\.hbs:9:\d+: error: .*no-such-keyword/);
      await new Promise((r) => setTimeout(r, 2500)); // more than a sync interval: nothing changes
      expect(await headerOf(http, 'web.localhost', 'x-dev-edit')).toBe('one');
      expect((await getWithHost(`${http}/`, 'web.localhost')).status).toBe(200);

      // An instance of one's own, registered with the printed command, takes traffic.
      const mine = await DemoInstance.start('web-9', 'web');
      try {
        const reg = spawn(process.execPath, [DEVKIT, 'register', 'web', String(mine.port), '--id', 'web-9', '--work-dir', workDir], { stdio: 'ignore' });
        expect(await new Promise((r) => reg.once('exit', r))).toBe(0);
        await waitFor(async () => (await getWithHost(`${http}/`, 'web.localhost')).body.trim() === 'web-9', { timeoutMs: 30_000, what: 'web-9 serving' });
      } finally {
        await mine.stop();
      }

      const tree = await descendants(runner.pid!);
      expect(tree.length).toBeGreaterThanOrEqual(7); // 5 components, consul, haproxy master (+ worker)
      runner.kill('SIGINT');
      expect(await exited).toBe(0);
      await waitFor(() => tree.every((pid) => !alive(pid)), { timeoutMs: 10_000, what: `no survivors among ${tree.join(',')}` });
    } finally {
      if (runner.exitCode === null) runner.kill('SIGKILL');
    }
  });
});

describe('apictl-dev: a busy port', () => {
  let workDir = '';
  let holder: Server | undefined;
  afterAll(async () => {
    holder?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('fails in under 5 s naming the address, the cause and the flag to change it', { timeout: 30_000 }, async () => {
    workDir = await mkdtemp(join(tmpdir(), 'dev-busy-'));
    holder = createServer();
    await new Promise<void>((r) => holder!.listen(0, '127.0.0.1', () => r()));
    const port = (holder.address() as { port: number }).port;
    const started = Date.now();
    const runner = spawn(process.execPath, [DEVKIT, '--http-port', String(port), '--quiet', '--work-dir', workDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    runner.stdout.on('data', (d: Buffer) => (output += d.toString()));
    runner.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((r) => runner.once('exit', r));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(code).toBe(1);
    expect(output).toContain(`127.0.0.1:${port} (renderer HTTP_BIND): Address already in use`);
    expect(output).toMatch(/--http-port N/);
    expect(output).toMatch(/DEV_PORT_BUSY/);
  });
});
