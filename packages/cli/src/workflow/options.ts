import { PipelineError } from '@api-server/core';
import { loadCatalog } from './catalog.js';
import { ConsulSnapshot } from './consul-snapshot.js';
import { OUTPUT_FORMATS, type OutputFormat } from './diagnostics.js';
import type { DataSpec, RenderEnv } from './render-repo.js';

/** Options shared by validate, render, diff and publish (node:util parseArgs shape). */
export const dataOptions = {
  catalog: { type: 'string' },
  consul: { type: 'string' },
  env: { type: 'string', multiple: true },
  'node-name': { type: 'string' },
  'node-ip': { type: 'string' },
} as const;

export interface DataValues {
  catalog?: string;
  consul?: string;
  env?: string[];
  'node-name'?: string;
  'node-ip'?: string;
}

/** A usage mistake: exit 2 with the message. */
export class UsageError extends PipelineError<'USAGE'> {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/**
 * `--catalog FILE` or `--consul ADDR` (exactly one; `CONSUL_HTTP_ADDR` is not picked
 * up silently: a CI job must say which it validates against), and `--env NAME=VALUE`
 * for `(env ...)`; with `--consul`, `TEMPLATE_ENV_ALLOW` names process variables too.
 */
export async function dataFromOptions(values: DataValues, env: NodeJS.ProcessEnv = process.env): Promise<{ data: DataSpec; renderEnv: RenderEnv }> {
  if (values.catalog && values.consul) throw new UsageError('give either --catalog FILE or --consul ADDR, not both');
  if (!values.catalog && !values.consul) throw new UsageError('give the data to render against: --catalog FILE (a fixture, see examples/config-repo/catalog.yaml) or --consul ADDR');
  const vars: Record<string, string> = {};
  if (values.consul) {
    for (const name of (env.TEMPLATE_ENV_ALLOW ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
      if (env[name] !== undefined) vars[name] = env[name]!;
    }
  }
  for (const pair of values.env ?? []) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(pair);
    if (!m) throw new UsageError(`--env: expected NAME=VALUE, got "${pair}"`);
    vars[m[1]!] = m[2]!;
  }
  const node = {
    ...(values['node-name'] ? { name: values['node-name'] } : {}),
    ...(values['node-ip'] ? { address: values['node-ip'] } : {}),
  };
  const data: DataSpec = values.catalog ? { kind: 'fixture', catalog: await loadCatalog(values.catalog) } : { kind: 'consul', snapshot: new ConsulSnapshot(values.consul!) };
  return { data, renderEnv: { env: vars, node } };
}

export function parseFormat(value: string | undefined, allowed: readonly string[] = OUTPUT_FORMATS): OutputFormat {
  const format = value ?? 'text';
  if (!allowed.includes(format)) throw new UsageError(`--format: expected one of ${allowed.join(', ')}, got "${format}"`);
  return format as OutputFormat;
}

export function parsePositiveInt(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag}: expected a positive integer, got "${value}"`);
  return n;
}
