#!/usr/bin/env node
// Runs every benchmark in turn (or those named: node bench/run.mjs pipeline metrics).
// Each prints its own table and writes bench/results/<name>.json.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const here = import.meta.dirname;
const all = ['pipeline', 'reload', 'convergence', 'supervisor-change', 'renderer-scale', 'renderer-checks', 'log-shipper', 'log-ring', 'log-delivery', 'metrics', 'metrics-kill', 'validate', 'registrator', 'peers'];
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : all;
let failed = 0;
for (const name of wanted) {
  const ts = join(here, `${name}.ts`);
  const mjs = join(here, `${name}.mjs`);
  const file = existsSync(ts) ? ts : existsSync(mjs) ? mjs : undefined;
  if (!file) {
    console.error(`bench ${name}: no ${name}.ts or ${name}.mjs`);
    failed++;
    continue;
  }
  console.log(`\n=== ${name} ===`);
  const args = file.endsWith('.ts') ? ['--import', 'tsx', file] : [file];
  const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
