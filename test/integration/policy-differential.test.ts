import { cp, mkdtemp, readdir, readFile, readlink, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apictl, EXAMPLE_REPO } from '../helpers/apictl.js';
import { waitFor } from '../helpers/ports.js';
import { EXAMPLE_TEMPLATES, metricValue, Pipeline } from '../helpers/pipeline.js';
import { getText } from '../helpers/component.js';

/**
 * One table of repositories, judged twice: by `apictl validate` on a directory (what CI
 * runs) and by a real node (s3rver -> s3-sync -> renderer -> haproxy-supervisor ->
 * HAProxy). Both must give the same verdict on the same file and line; the node holds
 * what CI refuses. Templates here are static, so a rendered line is its template line.
 */
interface Verdict {
  file: string;
  line: number | null;
  code: string;
}

const CASES: Array<{ name: string; path: string; body: string; expected: Verdict[] }> = [
  { name: 'a valid team file', path: '50-ok.cfg.hbs', body: 'backend ok\n    mode http\n', expected: [] },
  { name: 'a program section in a team file', path: '50-prog.cfg.hbs', body: 'backend prog\n    mode http\nprogram evil\n    command /bin/sh -c id\n', expected: [{ file: '50-prog.cfg.hbs', line: 3, code: 'POLICY_SECTION' }] },
  { name: 'a stats socket in a team file', path: '50-sock.cfg.hbs', body: 'backend sock\n    mode http\n    stats socket /tmp/policy-test.sock level admin\n', expected: [{ file: '50-sock.cfg.hbs', line: 3, code: 'POLICY_DIRECTIVE' }] },
  { name: 'a global section in a team file', path: '50-glob.cfg.hbs', body: 'global\n    stats socket /tmp/policy-test.sock level admin\nbackend glob\n', expected: [{ file: '50-glob.cfg.hbs', line: 1, code: 'POLICY_SECTION' }] },
  { name: 'lua-load', path: '50-lua.cfg.hbs', body: 'backend lua\n    mode http\n    lua-load /tmp/hello.lua\n    http-request use-service lua.hello\n', expected: [{ file: '50-lua.cfg.hbs', line: 3, code: 'POLICY_DIRECTIVE' }] },
  { name: 'a rendered file that sorts before the global file', path: '0-early.cfg.hbs', body: 'backend early\n    mode http\n', expected: [{ file: '0-early.cfg.hbs', line: null, code: 'POLICY_FILE_ORDER' }] },
  { name: 'a haproxy -c error in one team file', path: '50-typo.cfg.hbs', body: 'backend typo\n    mode http\n    balanse roundrobin\n', expected: [{ file: '50-typo.cfg.hbs', line: 3, code: 'HAPROXY' }] },
];

/** The first error per file, codes of both sides on one scale (`HAPROXY_CONFIG` and `HAPROXY_CHECK` are `HAPROXY`). */
function firstPerFile(list: Verdict[]): Verdict[] {
  const byFile = new Map<string, Verdict>();
  for (const v of [...list].sort((a, b) => (a.line ?? 0) - (b.line ?? 0))) if (!byFile.has(v.file)) byFile.set(v.file, { ...v, code: v.code.startsWith('HAPROXY') ? 'HAPROXY' : v.code });
  return [...byFile.values()].sort((a, b) => a.file.localeCompare(b.file));
}

describe('policy and haproxy -c: apictl validate and a real node agree', () => {
  let pipeline: Pipeline;
  let repo: string;

  beforeAll(async () => {
    pipeline = await Pipeline.start();
    await pipeline.uploadTree(EXAMPLE_TEMPLATES);
    await pipeline.addInstance('web', 'web-1');
    pipeline.startAll();
    repo = await mkdtemp(join(tmpdir(), 'policy-differential-'));
    await cp(EXAMPLE_TEMPLATES, repo, { recursive: true, dereference: true });
    await pipeline.waitForRouting('web.example.test', (b) => b.every((x) => x === 'web-1'));
  });

  afterAll(async () => {
    await pipeline?.stop();
    if (repo) await rm(repo, { recursive: true, force: true });
  });

  const supervisorState = () => pipeline.state('haproxy-supervisor');
  const renderedDir = async () => join(pipeline.sharedDir, 'rendered', await readlink(join(pipeline.sharedDir, 'rendered', 'current')));
  const livePath = (file: string) => join(pipeline.sharedDir, 'live', 'current', file);

  /** Waits until the supervisor has judged the rendered version in which `file` is present (or absent). */
  async function nodeSettled(file: string, present: boolean): Promise<Record<string, any>> {
    return waitFor(
      async () => {
        const dir = await renderedDir();
        if ((await readdir(dir)).includes(file) !== present) return undefined;
        const state = await supervisorState();
        return state.rendered === dir.split('/').pop() ? state : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: `the supervisor judging a version ${present ? 'with' : 'without'} ${file}` },
    );
  }

  async function ciVerdict(): Promise<{ code: number | null; verdict: Verdict[] }> {
    const r = await apictl(['validate', '.', '--catalog', join(EXAMPLE_REPO, 'catalog.yaml'), '--format', 'json'], { cwd: repo });
    const report = JSON.parse(r.stdout) as { diagnostics: Array<{ severity: string; code: string; file: string; line?: number }> };
    const errors = report.diagnostics.filter((d) => d.severity === 'error');
    return { code: r.code, verdict: firstPerFile(errors.map((d) => ({ file: d.file, line: d.line ?? null, code: d.code }))) };
  }

  it.each(CASES)('$name: same verdict, file and line', async ({ path, body, expected }) => {
    const rendered = path.replace(/\.hbs$/, '');
    await writeFile(join(repo, path), body);
    const ci = await ciVerdict();
    await unlink(join(repo, path));

    await pipeline.putTemplate(path, body);
    try {
      await judgedByNode(rendered, expected);
    } finally {
      // The next case starts from the example repository again.
      await pipeline.s3.delete(pipeline.bucket, `${pipeline.prefix}/${path}`);
    }
    const after = await nodeSettled(rendered, false);
    expect(after.held).toEqual([]);
    expect(ci.verdict).toEqual(expected);
    expect(ci.code).toBe(expected.length ? 1 : 0);
  });

  async function judgedByNode(rendered: string, expected: Verdict[]): Promise<void> {
    const state = await nodeSettled(rendered, true);
    const node = firstPerFile((state.held as Array<{ file: string; template: string | null; line: number | null; code: string }>).map((h) => ({ file: h.template ?? h.file, line: h.line, code: h.code })));

    expect(node).toEqual(expected);
    // The node held the file (never live: left out) and kept serving everything else.
    const inLive = await readFile(livePath(rendered), 'utf8').then(() => true, () => false);
    expect(inLive).toBe(expected.length === 0);
    expect(state.status).toBe(expected.length ? 'degraded' : 'ok');
    expect((await pipeline.request('web.example.test')).body).toBe('web-1');
  }

  it("isolation: team A's broken file stays at its last good output while team B's new backend and route go live", async () => {
    await Promise.all([pipeline.addInstance('alpha', 'alpha-1'), pipeline.addInstance('beta', 'beta-1')]);
    const good = 'backend alpha\n    mode http\n{{> servers name="alpha"}}\n';
    await pipeline.putTemplate('50-team-a.cfg.hbs', good);
    await pipeline.waitForRouting('alpha.example.test', (b) => b.every((x) => x === 'alpha-1'));
    const lastGood = await readFile(livePath('50-team-a.cfg'), 'utf8');

    // One release: A breaks haproxy -c (and drops its servers), B adds a backend routed by Host.
    await pipeline.putTemplate('50-team-a.cfg.hbs', 'backend alpha\n    mode http\n    balanse roundrobin\n');
    await pipeline.putTemplate('50-team-b.cfg.hbs', 'backend beta\n    mode http\n{{> servers name="beta"}}\n');
    await pipeline.waitForRouting('beta.example.test', (b) => b.every((x) => x === 'beta-1'));
    const held = await waitFor(async () => {
      const s = await supervisorState();
      return s.held?.[0]?.code === 'HAPROXY_CHECK' ? s : undefined;
    }, { what: 'team A held after haproxy -c' });
    expect(held.held).toEqual([expect.objectContaining({ file: '50-team-a.cfg', template: '50-team-a.cfg.hbs', line: 3, code: 'HAPROXY_CHECK', runs: 'live' })]);
    expect(held.status).toBe('degraded');
    expect(await readFile(livePath('50-team-a.cfg'), 'utf8')).toBe(lastGood);
    expect((await pipeline.request('alpha.example.test')).body).toBe('alpha-1');
    expect(metricValue((await getText(pipeline.metricsUrl('supervisor'))).body, 'haproxy_supervisor_held_files')).toBe(1);
    const status = await apictl(['status', '--shared-dir', pipeline.sharedDir]);
    expect(status.stdout).toMatch(/^ {2}50-team-a\.cfg {2}from 50-team-a\.cfg\.hbs:3 {2}HAPROXY_CHECK {2}since \d+s ago: unknown keyword 'balanse'.* {2}\(last good output runs\)$/m);
    const since = held.held[0].since as string;

    // Next release: A now breaks the policy instead; still held at the same last good output, held since the first failure.
    await pipeline.putTemplate('50-team-a.cfg.hbs', 'backend alpha\n    mode http\nprogram evil\n    command /bin/sh -c id\n');
    const policyHeld = await waitFor(async () => {
      const s = await supervisorState();
      return s.held?.[0]?.code === 'POLICY_SECTION' ? s : undefined;
    }, { what: 'team A held by the policy' });
    expect(policyHeld.held[0]).toMatchObject({ file: '50-team-a.cfg', line: 3, runs: 'live', since });
    expect(await readFile(livePath('50-team-a.cfg'), 'utf8')).toBe(lastGood);
    expect((await pipeline.request('beta.example.test')).body).toBe('beta-1');

    // A supervisor restart (kill -9: HAProxy keeps serving and is adopted) keeps reporting the hold and its age.
    await pipeline.components.supervisor.stop('SIGKILL');
    pipeline.components.supervisor.start();
    const restarted = await waitFor(async () => {
      const s = await supervisorState().catch(() => undefined);
      return s?.haproxy?.adopted === true ? s : undefined;
    }, { what: 'supervisor adopted HAProxy after kill -9' });
    expect(restarted.held[0]).toMatchObject({ file: '50-team-a.cfg', code: 'POLICY_SECTION', since });
    expect(restarted.status).toBe('degraded');
    expect(metricValue((await getText(pipeline.metricsUrl('supervisor'))).body, 'haproxy_supervisor_held_files')).toBe(1);

    // Fixed: nothing held, status ok again.
    await pipeline.putTemplate('50-team-a.cfg.hbs', good.replace('mode http', 'mode http\n    balance leastconn'));
    const ok = await waitFor(async () => {
      const s = await supervisorState();
      return s.status === 'ok' && s.held?.length === 0 ? s : undefined;
    }, { what: 'nothing held after the fix' });
    expect(ok.lastError).toBeNull();
    expect(await readFile(livePath('50-team-a.cfg'), 'utf8')).toContain('balance leastconn');
  });
});
