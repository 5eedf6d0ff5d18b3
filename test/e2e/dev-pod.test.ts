import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getWithHost } from '../../packages/devkit/src/http-probe.js';
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
 * Issue 3: `apictl dev` starts the pod from deploy/k8s (the manifest's commands, env
 * and mounts) with embedded Consul and S3, routes a real request, and on Ctrl-C
 * leaves no process behind.
 */
describe('apictl dev: the pod from its own manifest', () => {
  let workDir = '';
  afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('routes requests, then shuts everything down on SIGINT with no orphan', { timeout: 240_000 }, async () => {
    workDir = await mkdtemp(join(tmpdir(), 'dev-pod-'));
    const runner = spawn(process.execPath, [join(REPO_ROOT, 'packages/devkit/dist/main.js'), '--free-ports', '--quiet', '--work-dir', workDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    runner.stdout.on('data', (d: Buffer) => (output += d.toString()));
    runner.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((r) => runner.once('exit', (code) => r(code)));
    try {
      const ready = await waitFor(() => /^READY (.*)$/m.exec(output)?.[1], { timeoutMs: 150_000, what: 'READY from apictl dev' }).catch((err: Error) => {
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
