import { z } from 'zod';
import type { CoreErrorCode } from './errors.js';

/** Variables every component reads (docs/architecture.md, "processes, ports, environment"). */
export const commonEnv = {
  SHARED_DIR: z.string().min(1).default('/shared'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

/** `host:port`, `:port` or `port`; host defaults to all interfaces. */
const listenAddress = z.string().transform((value, ctx) => {
  const parsed = parseHostPort(value, '0.0.0.0');
  if (!parsed) {
    ctx.addIssue({ code: 'custom', message: `expected host:port or :port, got "${value}"` });
    return z.NEVER;
  }
  return parsed;
});

/**
 * A listen address variable with a default. Use this rather than
 * `listenAddress.default(...)`: zod 4 returns a default as-is, without the transform.
 */
export const addressEnv = (fallback: string) => z.string().default(fallback).pipe(listenAddress);

export interface HostPort {
  host: string;
  port: number;
}

export function parseHostPort(value: string, defaultHost: string): HostPort | undefined {
  const match = /^(?:\[?([^\]]*?)\]?:)?(\d{1,5})$/.exec(value.trim());
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port > 65535) return undefined;
  return { host: match[1] || defaultHost, port };
}

/** Integer milliseconds (or any non-negative integer) from an environment string. */
export const intFromEnv = (min = 0) => z.coerce.number().int().min(min);

/** "true"/"false"/"1"/"0" as a boolean; zod's coerce would take "false" as true. */
export const boolFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Comma-separated list, blanks dropped. */
export const listFromEnv = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID' satisfies CoreErrorCode;
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates the environment once, at start. Each problem names the variable; unknown
 * variables carrying one of `prefixes` are reported (a typo in `RENDER_WAIT_MAX_MS`
 * should not silently fall back to the default).
 */
export function parseEnv<S extends z.ZodRawShape>(
  shape: S,
  env: NodeJS.ProcessEnv = process.env,
  prefixes: string[] = [],
): Readonly<z.infer<z.ZodObject<S>>> {
  const input: Record<string, string> = {};
  for (const key of Object.keys(shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const result = z.object(shape).safeParse(input);
  const issues: string[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) {
      const name = String(issue.path[0] ?? '(environment)');
      const given = input[name];
      issues.push(`${name}: ${issue.message}${given === undefined ? '' : ` (got "${given}")`}`);
    }
  }
  for (const key of Object.keys(env)) {
    if (prefixes.some((p) => key.startsWith(p)) && !(key in shape)) {
      issues.push(`${key}: unknown variable (known: ${Object.keys(shape).filter((k) => prefixes.some((p) => k.startsWith(p))).join(', ')})`);
    }
  }
  if (issues.length > 0 || !result.success) throw new ConfigError(issues);
  return Object.freeze(result.data);
}

/** parseEnv for a process entry point: a bad value prints the problem and exits 2. */
export function loadEnvOrExit<S extends z.ZodRawShape>(component: string, shape: S, prefixes: string[] = []) {
  try {
    return parseEnv(shape, process.env, prefixes);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${component}: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
