import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apictl, copyExampleRepo } from '../helpers/apictl.js';
import { ConsulDev } from '../helpers/consul.js';

// apictl validate / render / diff / completion as processes, with the real haproxy.
describe('apictl validate, render, diff (real HAProxy)', () => {
  let repo: string;
  let scratch: string;
  const catalog = () => join(repo, 'catalog.yaml');
  beforeAll(async () => {
    repo = await copyExampleRepo();
    scratch = await mkdtemp(join(tmpdir(), 'apictl-validate-'));
  });
  afterAll(async () => {
    await rm(repo, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
  });

  /** A copy of the example templates with one change applied. */
  let n = 0;
  async function variant(change: (dir: string) => Promise<void>): Promise<string> {
    const dir = join(scratch, `v${n++}`);
    await cp(join(repo, 'templates'), dir, { recursive: true });
    await change(dir);
    return dir;
  }

  it('accepts the example repository: exit 0, no findings', async () => {
    const r = await apictl(['validate', join(repo, 'templates'), '--catalog', catalog()]);
    expect(r.stderr).toMatch(/0 error\(s\), 0 warning\(s\): valid/);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(0);
  });

  it.each([
    ['invalid template syntax', '50-t.cfg.hbs', 'backend t\n    mode http\n    server a 1.2.3.4:80 {{ foo bar"}}\n', /^T\/50-t\.cfg\.hbs:3:32: error: syntax error: unexpected INVALID .*\[TEMPLATE_PARSE\]$/m],
    ['a helper called with wrong arguments', '50-t.cfg.hbs', 'backend t\n{{#each (service "web" "extra")}}\n{{/each}}\n', /^T\/50-t\.cfg\.hbs:2:9: error: service: expected 1 argument\(s\), got 2.*\[TEMPLATE_HELPER\]$/m],
    ['a template rendering invalid HAProxy config', '50-t.cfg.hbs', 'backend t\n    mode http\n    balanse roundrobin\n{{> servers name="web"}}\n', /^T\/50-t\.cfg\.hbs:3:5: error: unknown keyword 'balanse' in 'backend' section.*\[HAPROXY_CONFIG\]\n {4} {4}balanse roundrobin\n {4} {4}\^$/m],
    ['invalid HAProxy config inside a loop (mapped back through the partial)', '50-t.cfg.hbs', 'backend t\n    mode http\n{{#each (service "web")}}\n    server {{haproxyId id}} {{address}}:{{port}} wieght 3\n{{/each}}\n', /^T\/50-t\.cfg\.hbs:4:\d+: error: .*'wieght'.*\[HAPROXY_CONFIG\]/m],
    ['a missing partial', '50-t.cfg.hbs', 'backend t\n    mode http\n{{> nosuch name="web"}}\n', /^T\/50-t\.cfg\.hbs:3: error: The partial nosuch could not be found \[TEMPLATE_RENDER\]$/m],
    ['an unknown helper in a branch the fixture never takes', '50-t.cfg.hbs', 'backend t\n{{#if false}}\n    server {{upper "x"}} 1.2.3.4:80\n{{/if}}\n', /^T\/50-t\.cfg\.hbs:3:14: error: unknown helper "upper".*\[LINT_UNKNOWN_HELPER\]$/m],
    ['the same backend in two teams\' files', '50-other-web.cfg.hbs', 'backend web\n    mode http\n', /^T\/50-other-web\.cfg\.hbs:1:1: error: backend "web" is already declared as backend in 50-frontend-web\.cfg\.hbs:\d+.*\[LINT_DUPLICATE_PROXY\]$/m],
    ['a stats socket in a team file (the node\'s policy)', '50-t.cfg.hbs', 'backend t\n    mode http\n    stats socket /tmp/x.sock level admin\n', /^T\/50-t\.cfg\.hbs:3:5: error: "stats socket" is not allowed in 50-t\.cfg .*\[POLICY_DIRECTIVE\]\n {4} {4}stats socket \/tmp\/x\.sock level admin\n {4} {4}\^$/m],
    ['a template sorting before the supervisor\'s global file', '0-a.cfg.hbs', 'backend a\n', /^T\/0-a\.cfg\.hbs: error: 0-a\.cfg would be read before the supervisor's global section .*\[POLICY_FILE_ORDER\]$/m],
    ['a broken policy.yaml', 'policy.yaml', 'version: 1\nrules: 3\n', /^T\/policy\.yaml:2: error: rules: .*\(nodes keep their previous policy\) \[POLICY_INVALID\]$/m],
    ['a non-UTF-8 file', '50-t.cfg.hbs', Buffer.from('backend t\n    # caf\xe9\n', 'latin1'), /^T\/50-t\.cfg\.hbs:2:10: error: not valid UTF-8 \(byte 0xe9\).*\[REPO_NOT_UTF8\]$/m],
  ])('refuses %s with file:line:col and exit 1', async (_, file, content, expected) => {
    const dir = await variant((d) => writeFile(join(d, file), content));
    const rel = await apictl(['validate', dir.slice(scratch.length + 1), '--catalog', catalog()], { cwd: scratch });
    expect(rel.code).toBe(1);
    expect(rel.stdout.replaceAll(dir.slice(scratch.length + 1), 'T')).toMatch(expected);
  });

  it('refuses a 100 MB file (without reading it) and a symlink leaving the repository', async () => {
    const dir = await variant(async (d) => {
      await writeFile(join(d, 'maps/big.map'), '');
      await truncate(join(d, 'maps/big.map'), 100 * 1024 * 1024);
      await symlink('/etc/passwd', join(d, 'acl/passwd.acl'));
    });
    const r = await apictl(['validate', dir, '--catalog', catalog(), '--format', 'json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { ok: boolean; diagnostics: Array<{ code: string; file: string }> };
    expect(report.ok).toBe(false);
    expect(report.diagnostics.map((d) => [d.code, d.file.slice(dir.length + 1)])).toEqual([
      ['REPO_SYMLINK_ESCAPES', 'acl/passwd.acl'],
      ['REPO_FILE_TOO_LARGE', 'maps/big.map'],
    ]);
  });

  it('warns (exit 0) on an empty render, a service the fixture lacks, a frontend without idle-close-on-response; --strict fails', async () => {
    const dir = await variant(async (d) => {
      await writeFile(join(d, '60-empty.cfg.hbs'), '{{#if false}}\n{{/if}}\n');
      await writeFile(join(d, '50-t.cfg.hbs'), 'backend t\n    mode http\n{{> servers name="nosuchservice"}}\n');
      await writeFile(join(d, '55-f.cfg'), 'frontend other\n    bind :8081\n    no option idle-close-on-response\n    default_backend web\n');
    });
    const r = await apictl(['validate', dir, '--catalog', catalog(), '--format', 'github']);
    expect(r.code).toBe(0);
    const lines = r.stdout.replaceAll(`${dir}/`, '').trim().split('\n').sort();
    expect(lines).toEqual([
      expect.stringMatching(/^::warning file=50-t\.cfg\.hbs,line=3,col=\d+,title=LINT_UNKNOWN_SERVICE::service "nosuchservice" is not in the catalog fixture/),
      expect.stringMatching(/^::warning file=55-f\.cfg,line=1,col=1,title=LINT_IDLE_CLOSE::HTTP frontend "other"/),
      expect.stringMatching(/^::warning file=60-empty\.cfg\.hbs,title=LINT_EMPTY_RENDER::renders to an empty 60-empty\.cfg/),
    ]);
    expect((await apictl(['validate', dir, '--catalog', catalog(), '--strict'])).code).toBe(1);
  });

  it('applies the node\'s render limits: a runaway template times out and a ~1 GB one is over the size cap, each named', async () => {
    const big = join(scratch, 'big-catalog.yaml');
    const keys = Array.from({ length: 305 }, (_, i) => `  big/k${String(i).padStart(3, '0')}: "v"\n`).join('');
    await writeFile(big, (await readFile(catalog(), 'utf8')).replace(/^kv:\n/m, `kv:\n${keys}`));
    const each = (depth: number, body: string) => `${'{{#each (tree "big")}}'.repeat(depth)}${body}${'{{/each}}'.repeat(depth)}`;
    const dir = await variant(async (d) => {
      await writeFile(join(d, '90-loop.cfg.hbs'), `# loop\n${each(4, '')}\n`);
      await writeFile(join(d, '91-huge.cfg.hbs'), `# huge\n${each(3, 'x'.repeat(35))}\n`);
    });
    const started = Date.now();
    const r = await apictl(['validate', dir, '--catalog', big, '--format', 'json']);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { diagnostics: Array<{ code: string; file: string; message: string }> };
    const found = report.diagnostics.filter((d) => d.code.startsWith('TEMPLATE_')).map((d) => [d.code, d.file.slice(dir.length + 1)]);
    expect(found).toEqual([
      ['TEMPLATE_TIMEOUT', '90-loop.cfg.hbs'],
      ['TEMPLATE_OUTPUT_TOO_LARGE', '91-huge.cfg.hbs'],
    ]);
  }, 60_000);

  it('usage errors exit 2 and name the flag', async () => {
    const r = await apictl(['validate', join(repo, 'templates')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--catalog FILE .* or --consul ADDR/);
    const bad = await apictl(['validate', join(repo, 'templates'), '--catalog', catalog(), '--format', 'xml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--format: expected one of text, json, github/);
  });

  it('render writes what a node would render, and haproxy -c accepts it', async () => {
    const out = join(scratch, 'rendered');
    const r = await apictl(['render', join(repo, 'templates'), '--catalog', catalog(), '--out', out]);
    expect(r.code).toBe(0);
    expect((await readdir(out)).sort()).toContain('50-payments-billing.cfg');
    const check = spawnSync('haproxy', ['-c', '-C', out, '-f', out], { encoding: 'utf8' });
    expect(check.status).toBe(0);
    // The canary instance got the KV weight, the other the default.
    const billing = spawnSync('cat', [join(out, '50-payments-billing.cfg')], { encoding: 'utf8' }).stdout;
    expect(billing).toMatch(/server billing-1 10\.0\.3\.1:7000 weight 100\n\s+server billing-2 10\.0\.3\.2:7000 weight 5/);
    const again = await apictl(['render', join(repo, 'templates'), '--catalog', catalog(), '--out', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/not empty \(use --force/);
  });

  it('diff prints a unified diff of the generated config (markdown for a PR comment)', async () => {
    const after = await variant(async (d) => {
      const { readFile } = await import('node:fs/promises');
      const text = await readFile(join(d, '50-frontend-web.cfg.hbs'), 'utf8');
      await writeFile(join(d, '50-frontend-web.cfg.hbs'), text.replace('balance roundrobin', 'balance leastconn'));
    });
    const r = await apictl(['diff', join(repo, 'templates'), after, '--catalog', catalog()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--- a/50-frontend-web.cfg\n+++ b/50-frontend-web.cfg\n@@');
    expect(r.stdout).toMatch(/^- {4}balance roundrobin\n\+ {4}balance leastconn$/m);
    const md = await apictl(['diff', join(repo, 'templates'), after, '--catalog', catalog(), '--format', 'markdown', '--exit-code']);
    expect(md.code).toBe(1);
    expect(md.stdout).toMatch(/^\*\*apictl diff\*\*: 1 generated file\(s\) change: `50-frontend-web.cfg`\n\n```diff\n/);
    const same = await apictl(['diff', join(repo, 'templates'), join(repo, 'templates'), '--catalog', catalog(), '--exit-code']);
    expect([same.code, same.stdout]).toEqual([0, '']);
  });

  it('every command has --help with examples, and bash completion is valid bash', async () => {
    for (const cmd of ['validate', 'render', 'diff', 'publish', 'releases', 'rollback', 'completion']) {
      const r = await apictl([cmd, '--help']);
      expect(r.code, cmd).toBe(0);
      expect(r.stdout, cmd).toMatch(/Examples:\n {2}\S/);
    }
    const c = await apictl(['completion', 'bash']);
    expect(c.code).toBe(0);
    const check = spawnSync('bash', ['-c', `${c.stdout}\nCOMP_WORDS=(apictl pub); COMP_CWORD=1; _apictl; echo "\${COMPREPLY[@]}"\nCOMP_WORDS=(apictl publish --dr); COMP_CWORD=2; _apictl; echo "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
    expect(check.stdout).toBe('publish\n--dry-run\n');
  });

  it('validates and renders against a live Consul (--consul)', async () => {
    const consul = await ConsulDev.start();
    try {
      await consul.register({ id: 'web-a', name: 'web', address: '127.0.0.9', port: 8089, meta: { weight: '7' } });
      const env = ['--env', 'HTTP_BIND=127.0.0.1:80', '--env', 'STATS_BIND=127.0.0.1:8404', '--env', 'POSTGRES_BIND=127.0.0.1:5432', '--node-name', 'n1', '--node-ip', '127.0.0.1'];
      const r = await apictl(['validate', join(repo, 'templates'), '--consul', consul.addr, ...env]);
      expect(r.stderr).toMatch(/0 error\(s\)/);
      expect(r.code).toBe(0);
      const out = join(scratch, 'from-consul');
      expect((await apictl(['render', join(repo, 'templates'), '--consul', consul.addr, ...env, '--out', out])).code).toBe(0);
      const { readFile } = await import('node:fs/promises');
      expect(await readFile(join(out, '50-frontend-web.cfg'), 'utf8')).toMatch(/server web-a 127\.0\.0\.9:8089 weight 7/);
      const down = await apictl(['validate', join(repo, 'templates'), '--consul', '127.0.0.1:1', ...env]);
      expect(down.code).toBe(1);
      expect(down.stderr).toMatch(/--consul 127\.0\.0\.1:1: consul health\.service\(\w+\): connect ECONNREFUSED.*\[CONSUL_UNREACHABLE\]/);
    } finally {
      await consul.destroy();
    }
  });
});
