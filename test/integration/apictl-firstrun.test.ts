import { execFile } from 'node:child_process';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apictl, copyExampleRepo } from '../helpers/apictl.js';
import { REPO_ROOT } from '../helpers/component.js';
import { S3Dev } from '../helpers/s3.js';

const run = promisify(execFile);
const BUCKET = 'routing';

/** Issue 12.7: what a first-time user trips over, as the built `apictl` process. */
describe('apictl first run', () => {
  let repo = '';
  let scratch = '';
  let s3: S3Dev;
  beforeAll(async () => {
    [repo, scratch, s3] = await Promise.all([copyExampleRepo(), mkdtemp(join(tmpdir(), 'apictl-firstrun-')), S3Dev.start([BUCKET])]);
  });
  afterAll(async () => {
    await s3?.stop();
    await rm(repo, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
  });

  it('"help validate" prints validate\'s help, --version the version, no command the list with exit 2', async () => {
    const help = await apictl(['help', 'validate']);
    expect([help.code, help.stdout.split('\n')[0]]).toEqual([0, expect.stringMatching(/^apictl validate \[DIR\]/)]);
    const version = await apictl(['--version']);
    expect([version.code, version.stdout.trim()]).toEqual([0, expect.stringMatching(/^\d+\.\d+\.\d+$/)]);
    const none = await apictl([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/validate +render, lint/);
    expect(none.stderr).toMatch(/Exit codes: 0 ok, 1 failure .* 2 bad usage/);
    const unknownFlag = await apictl(['status', '--nope']);
    expect(unknownFlag.code).toBe(2);
  });

  it('a directory that does not exist is named in a clear error (exit 1), for validate and diff', async () => {
    const catalog = join(repo, 'catalog.yaml');
    const validate = await apictl(['validate', 'nodir', '--catalog', catalog], { cwd: scratch });
    expect(validate.code).toBe(1);
    expect(validate.stderr).toContain(`${join(scratch, 'nodir')}: no such directory`);
    expect(validate.stderr).toContain('[REPO_NOT_FOUND]');
    expect(validate.stderr).not.toMatch(/ENOENT|realpath/);
    const diff = await apictl(['diff', 'main/templates', join(repo, 'templates'), '--catalog', catalog], { cwd: scratch });
    expect(diff.code).toBe(1);
    expect(diff.stderr).toContain(`${join(scratch, 'main/templates')}: no such directory`);
    expect(diff.stderr).not.toMatch(/ENOENT|realpath/);
  });

  it('status with no state files names the directory it read and exits 1', async () => {
    const r = await apictl(['status', '--shared-dir', scratch]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`no stage state files in ${join(scratch, 'state')}`);
  });

  it('output cut short by the reader (| head) ends quietly: no EPIPE', async () => {
    // 20,000 ranges of alternating countries: a map far larger than a pipe's buffer.
    const lines = Array.from({ length: 20_000 }, (_, i) => `${i * 256},${i * 256 + 255},${i % 2 ? 'KP' : 'IR'}`);
    await writeFile(join(scratch, 'ranges.csv'), `${lines.join('\n')}\n`);
    const main = join(REPO_ROOT, 'packages/cli/dist/main.js');
    const { stdout, stderr } = await run('bash', ['-c', `"$0" "$1" geoip-map --ranges "$2" | head -1; echo "status \${PIPESTATUS[0]}"`, process.execPath, main, join(scratch, 'ranges.csv')]);
    expect(stdout.split('\n')[0]).toMatch(/^# CIDR -> ISO 3166 country/);
    expect(stdout).toMatch(/status 0/);
    expect(stderr).not.toMatch(/EPIPE|Error/);
  });

  it('publish from a worktree with uncommitted changes warns and records "dirty"', async () => {
    const git = (...args: string[]) => run('git', ['-C', repo, '-c', 'user.name=Ana', '-c', 'user.email=ana@example.com', ...args]);
    await git('init', '-q');
    await git('add', '-A');
    await git('commit', '-qm', 'routing: first');
    const head = (await git('rev-parse', 'HEAD')).stdout.trim();
    await appendFile(join(repo, 'templates/50-platform-api.cfg.hbs'), '# local experiment\n');
    const publish = () => apictl(['publish', 'templates', '--catalog', 'catalog.yaml', '--to', `s3://${BUCKET}/prod`], { cwd: repo, env: s3.env() });
    const current = async () => JSON.parse(await (await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'prod/CURRENT' }))).Body!.transformToString()) as Record<string, unknown>;

    const dirty = await publish();
    expect(dirty.code).toBe(0);
    expect(dirty.stderr).toMatch(/warning: templates has uncommitted changes; the release records commit [0-9a-f]{40} with "dirty": true/);
    expect(await current()).toMatchObject({ commit: head, dirty: true, message: 'routing: first' });
    const listed = await apictl(['releases', '--to', `s3://${BUCKET}/prod`], { env: s3.env() });
    expect(listed.stdout).toContain(`${head.slice(0, 12)}+dirty`);

    // A committed change (new content: the same content would be a no-op publish).
    await appendFile(join(repo, 'templates/50-platform-api.cfg.hbs'), '# kept\n');
    await git('commit', '-qam', 'routing: experiment');
    const clean = await publish();
    expect(clean.code).toBe(0);
    expect(clean.stderr).not.toMatch(/uncommitted/);
    expect(await current()).not.toHaveProperty('dirty');
  });
});
