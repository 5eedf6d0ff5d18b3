/**
 * Issue 6's measurement: how long `apictl validate` takes on a config repository of
 * 500 service files (one team per file, 3 instances each in the catalog fixture),
 * split by phase (read, render, lint, haproxy -c), in process and as the CLI process
 * CI runs. Run: node --import tsx bench/validate.ts (writes bench/results/validate.json)
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadCatalog } from '../packages/cli/src/workflow/catalog.js';
import { validateRepo } from '../packages/cli/src/workflow/validate.js';

const SERVICES = Number(process.env.BENCH_SERVICES ?? 500);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ROOT = resolve(import.meta.dirname, '..');

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

async function buildRepo(dir: string): Promise<void> {
  // dereference: the example's templates/ links to the repository's own; the bench must never write there.
  await cp(join(ROOT, 'examples/config-repo/templates'), join(dir, 'templates'), { recursive: true, dereference: true });
  const services: string[] = [];
  for (let i = 0; i < SERVICES; i++) {
    const name = `svc${String(i).padStart(3, '0')}`;
    await writeFile(
      join(dir, 'templates', `50-team${i % 40}-${name}.cfg.hbs`),
      `# Team ${i % 40}: ${name}\nbackend ${name}\n    mode http\n    balance roundrobin\n    option httpchk GET /healthz\n{{> servers name="${name}"}}\n`,
    );
    services.push(`  ${name}:\n${[1, 2, 3].map((n) => `    - { address: 10.${Math.floor(i / 250)}.${i % 250}.${n}, port: 8080${n % 2 ? ', meta: { weight: "10" }' : ''} }`).join('\n')}`);
  }
  const base = await import('node:fs/promises').then((fs) => fs.readFile(join(ROOT, 'examples/config-repo/catalog.yaml'), 'utf8'));
  await writeFile(join(dir, 'catalog.yaml'), base.replace('services:\n', `services:\n${services.join('\n')}\n`));
}

const dir = await mkdtemp(join(tmpdir(), 'bench-validate-'));
try {
  await buildRepo(dir);
  const catalog = await loadCatalog(join(dir, 'catalog.yaml'));
  const phases: Record<string, number[]> = { read: [], render: [], lint: [], policy: [], haproxy: [], total: [], cli: [] };
  let files = 0;
  for (let run = 0; run < RUNS; run++) {
    const t0 = performance.now();
    const report = await validateRepo({ dir: join(dir, 'templates'), data: { kind: 'fixture', catalog }, haproxy: { bin: 'haproxy' }, env: {} });
    phases.total!.push(performance.now() - t0);
    for (const [k, v] of Object.entries(report.timingsMs)) (phases[k] ??= []).push(v);
    const errors = report.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length) throw new Error(`bench repository does not validate: ${JSON.stringify(errors.slice(0, 3))}`);
    files = report.templates.length;
    const c0 = performance.now();
    const cli = spawnSync(process.execPath, [join(ROOT, 'packages/cli/dist/main.js'), 'validate', join(dir, 'templates'), '--catalog', join(dir, 'catalog.yaml')], { encoding: 'utf8' });
    phases.cli!.push(performance.now() - c0);
    if (cli.status !== 0) throw new Error(`apictl validate exited ${cli.status}: ${cli.stdout}${cli.stderr}`);
  }
  const rows = Object.entries(phases).map(([phase, v]) => ({ phase, median_ms: Math.round(median(v)), min_ms: Math.round(Math.min(...v)), max_ms: Math.round(Math.max(...v)) }));
  console.log(`apictl validate: ${SERVICES} service files (${files} files in the tree, ${SERVICES * 3} servers), ${RUNS} runs`);
  console.table(rows);
  const result = { benchmark: 'validate', services: SERVICES, files, servers: SERVICES * 3, runs: RUNS, node: process.version, at: new Date().toISOString(), phases: rows };
  await mkdir(join(import.meta.dirname, 'results'), { recursive: true });
  await writeFile(join(import.meta.dirname, 'results/validate.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
