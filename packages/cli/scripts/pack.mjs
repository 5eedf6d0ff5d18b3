#!/usr/bin/env node
// Packs the CLI as one installable npm package (issue 12.4): `apictl` and the
// renderer's worker bundled with our workspace packages by esbuild, the real
// third-party runtime packages kept as dependencies, nothing else (no tests, no
// devkit, no s3rver). Run after `pnpm build`:
//   node packages/cli/scripts/pack.mjs [--out DIR]   -> DIR/api-server-cli-<version>.tgz (path on stdout)
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES = resolve(CLI, '..');
const { values } = parseArgs({ options: { out: { type: 'string' } } });
const outDir = resolve(values.out ?? join(CLI, 'release'));
const stage = join(outDir, 'package');

const readJson = async (p) => JSON.parse(await readFile(p, 'utf8'));
const cliPkg = await readJson(join(CLI, 'package.json'));
// Third-party versions, as the workspace packages pin them (one version each: pnpm's lockfile agrees).
// Every workspace package the CLI reaches (transitively) is bundled; their third-party
// dependencies stay external (a CommonJS one such as execa's cross-spawn cannot be
// bundled into ESM: "Dynamic require of child_process").
const pinned = {};
const seen = new Set();
const visit = async (dir) => {
  if (seen.has(dir)) return;
  seen.add(dir);
  for (const [dep, version] of Object.entries((await readJson(join(PACKAGES, dir, 'package.json'))).dependencies ?? {})) {
    if (String(version).startsWith('workspace:')) await visit(dep.replace(/^@api-server\//, ''));
    else pinned[dep] = version;
  }
};
await visit('cli');
const external = Object.keys(pinned);

await rm(stage, { recursive: true, force: true });
await mkdir(join(stage, 'dist'), { recursive: true });
// Two entry points side by side: the renderer starts its worker as
// new URL('./worker.js', import.meta.url), which from dist/apictl.js is dist/worker.js.
const result = await build({
  entryPoints: { apictl: join(CLI, 'dist/main.js'), worker: join(PACKAGES, 'renderer/dist/render/worker.js') },
  outdir: join(stage, 'dist'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: [...external, ...external.map((d) => `${d}/*`)],
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});
// Only the third-party packages the bundle really imports become dependencies.
const used = new Set();
for (const output of Object.values(result.metafile.outputs)) {
  for (const imp of output.imports) {
    if (!imp.external || imp.path.startsWith('node:')) continue;
    const name = imp.path.startsWith('@') ? imp.path.split('/').slice(0, 2).join('/') : imp.path.split('/')[0];
    if (pinned[name]) used.add(name);
  }
}
const pkg = {
  name: cliPkg.name,
  version: cliPkg.version,
  description: "apictl: validate, publish and operate the API server's routing configuration",
  type: 'module',
  bin: { apictl: 'dist/apictl.js' },
  files: ['dist', 'README.md'],
  engines: { node: '>=20.19' },
  dependencies: Object.fromEntries([...used].sort().map((d) => [d, pinned[d]])),
};
await writeFile(join(stage, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
await copyFile(join(CLI, 'README.md'), join(stage, 'README.md'));
const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', outDir], { cwd: stage, encoding: 'utf8' }).trim().split('\n').at(-1);
process.stdout.write(`${join(outDir, tarball)}\n`);
