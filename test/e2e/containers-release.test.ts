import { execFile, execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/component.js';
import { docker } from '../../packages/devkit/src/container-runner.js';
import { ensureEngine } from '../helpers/docker.js';
import { freePort, waitFor } from '../helpers/ports.js';

/**
 * Issue 12: scripts/release.sh pushes every image to a registry (Debian's
 * docker-registry, distribution 2.8, on loopback), and overlays/local-registry points
 * the manifests at exactly those images.
 */
const OURS = ['haproxy-supervisor', 'log-shipper', 'metrics', 'registrator', 'renderer', 's3-sync'];
const REGISTRY_BIN = '/usr/bin/docker-registry';

let registry: ChildProcess | undefined;
let dir = '';
let addr = '';

beforeAll(async () => {
  ensureEngine();
  if (spawnSync(REGISTRY_BIN, ['--version']).status !== 0) {
    execFileSync('bash', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry >/dev/null'], { stdio: 'inherit', timeout: 300_000 });
  }
  dir = await mkdtemp(join(tmpdir(), 'registry-'));
  addr = `127.0.0.1:${await freePort()}`;
  await writeFile(join(dir, 'config.yml'), [
    'version: 0.1',
    'storage:',
    `  filesystem: { rootdirectory: ${join(dir, 'data')} }`,
    `http: { addr: "${addr}" }`,
    '',
  ].join('\n'));
  registry = spawn(REGISTRY_BIN, ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  await waitFor(async () => (await fetch(`http://${addr}/v2/`).catch(() => undefined))?.status === 200, { timeoutMs: 20_000, what: 'the registry answering /v2/' });
}, 600_000);

afterAll(async () => {
  registry?.kill('SIGTERM');
  // Drop the tags this run added locally (the images themselves stay, shared with the other tests).
  const tags = await docker(['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', `reference=${addr}/api-server/*`]).catch(() => '');
  if (tags) await docker(['rmi', ...tags.split('\n')]).catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('scripts/release.sh and overlays/local-registry', () => {
  let pushed: string[] = [];

  it('builds (when missing), tags and pushes every image; the registry lists them', { timeout: 3_000_000 }, async () => {
    // Asynchronously: a push of six images takes a minute or two, and a blocked worker misses vitest's RPC.
    const { stdout: out } = await promisify(execFile)('bash', [join(REPO_ROOT, 'scripts/release.sh'), '--registry', addr, '--tag', '0.1.0'], { encoding: 'utf8', timeout: 3_000_000 });
    pushed = out.trim().split('\n').map((l) => l.split(' ')[0]!);
    expect(pushed.sort()).toEqual(OURS.map((c) => `${addr}/api-server/${c}:0.1.0`));
    for (const line of out.trim().split('\n')) expect(line).toMatch(/ sha256:[0-9a-f]{64}$/);
    const catalog = (await (await fetch(`http://${addr}/v2/_catalog`)).json()) as { repositories: string[] };
    expect(catalog.repositories.sort()).toEqual(OURS.map((c) => `api-server/${c}`));
    for (const c of OURS) {
      const tags = (await (await fetch(`http://${addr}/v2/api-server/${c}/tags/list`)).json()) as { tags: string[] };
      expect(tags.tags, c).toEqual(['0.1.0']);
    }
  });

  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!kubectl)('the overlay, set to this registry, names exactly the pushed images', async () => {
    const tree = join(dir, 'k8s');
    await cp(join(REPO_ROOT, 'deploy/k8s/base'), join(tree, 'base'), { recursive: true });
    const overlay = await readFile(join(REPO_ROOT, 'deploy/k8s/overlays/local-registry/kustomization.yaml'), 'utf8');
    await cp(join(REPO_ROOT, 'deploy/k8s/overlays/local-registry'), join(tree, 'overlays/local-registry'), { recursive: true });
    await writeFile(join(tree, 'overlays/local-registry/kustomization.yaml'), overlay.replaceAll('127.0.0.1:5000', addr));
    const out = spawnSync('kubectl', ['kustomize', join(tree, 'overlays/local-registry')], { encoding: 'utf8' });
    expect(out.status, out.stderr).toBe(0);
    const ds = parseAllDocuments(out.stdout).map((d) => d.toJS()).find((o) => o.kind === 'DaemonSet');
    const images: string[] = ds.spec.template.spec.containers.map((c: { image: string }) => c.image).filter((i: string) => i.includes('/api-server/'));
    expect(images.sort()).toEqual(pushed.sort());
    // And each of them can be pulled back from the registry by that name.
    const manifest = await fetch(`http://${addr}/v2/api-server/renderer/manifests/0.1.0`, { headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
    expect(manifest.status).toBe(200);
  });
});
