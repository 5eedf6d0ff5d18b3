import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExampleRepo } from '../helpers/apictl.js';
import { REPO_ROOT } from '../helpers/component.js';

const run = promisify(execFile);

/** Every path under `dir`, relative to it. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

/**
 * Issue 12.4: the CLI packs into one npm package that installs globally on a
 * machine without the workspace, and the installed `apictl` validates the example
 * config repository (renderer worker included) from an unrelated directory.
 */
describe('apictl as an installable package', () => {
  let work = '';
  let prefix = '';
  let repo = '';
  let tarball = '';
  // The installed binary alone on PATH beside system tools (haproxy): no workspace, no node_modules/.bin.
  const env = () => ({ PATH: `${join(prefix, 'bin')}:${dirname(process.execPath)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`, HOME: process.env.HOME ?? '/tmp' });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'apictl-package-'));
    prefix = join(work, 'prefix');
    const packed = await run(process.execPath, [join(REPO_ROOT, 'packages/cli/scripts/pack.mjs'), '--out', join(work, 'pack')], { cwd: REPO_ROOT });
    tarball = packed.stdout.trim();
    // The npm cache first (the registry only for what it lacks); no lifecycle scripts run.
    await run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], { cwd: work, timeout: 240_000 });
    repo = await copyExampleRepo();
  }, 300_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
    if (repo) await rm(repo, { recursive: true, force: true });
  });

  it('packs only the bundle, its worker and the README', async () => {
    const { stdout } = await run('tar', ['tzf', tarball]);
    expect(stdout.trim().split('\n').sort()).toEqual(['package/README.md', 'package/dist/apictl.js', 'package/dist/worker.js', 'package/package.json']);
  });

  it('installs a tree with no test files, no s3rver, no devkit and no workspace package', async () => {
    const installed = await tree(join(prefix, 'lib/node_modules'));
    expect(installed).toContain('@api-server/cli/dist/apictl.js');
    // Our own files: the bundle and nothing of the workspace's tests (third-party packages ship what they ship).
    const own = installed.filter((p) => p.startsWith('@api-server/cli/') && !p.includes('/node_modules'));
    expect(own.filter((p) => /\.test\.|(^|\/)(test|src)(\/|$)/.test(p))).toEqual([]);
    expect(installed.filter((p) => /(^|\/)(s3rver|vitest|esbuild|tsx|@api-server\/(devkit|core|renderer))(\/|$)/.test(p))).toEqual([]);
  });

  it('prints its version', async () => {
    const { stdout } = await run('apictl', ['--version'], { cwd: work, env: env() });
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('validates the example config repository from a clean directory (real haproxy -c)', async () => {
    const { stderr } = await run('apictl', ['validate', 'templates', '--catalog', 'catalog.yaml'], { cwd: repo, env: env() });
    expect(stderr).toMatch(/0 error\(s\).*: valid/);
  });

  it('fails a broken template with file:line and exit 1', async () => {
    await writeFile(join(repo, 'templates/99-broken.cfg.hbs'), 'backend broken\n    no-such-keyword on\n');
    const failed = await run('apictl', ['validate', 'templates', '--catalog', 'catalog.yaml'], { cwd: repo, env: env() }).then(
      () => ({ code: 0, stdout: '' }),
      (err: { code: number; stdout: string }) => err,
    );
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/templates\/99-broken\.cfg\.hbs:2:\d+: error/);
  });
});
