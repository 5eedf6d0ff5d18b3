import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { boolFromEnv, intFromEnv, z } from '@api-server/core';
import { parseConsulAddr } from '@api-server/renderer';
import { checkDuration } from './duration.js';
import { parseDockerHost } from './sources/docker-host.js';

const fromParser = <T>(parse: (v: string) => T | string) =>
  z.string().transform((value, ctx) => {
    const parsed = parse(value);
    if (typeof parsed === 'string') {
      ctx.addIssue({ code: 'custom', message: parsed });
      return z.NEVER;
    }
    return parsed;
  });

const duration = (fallback: string, minMs: number, maxMs: number) =>
  z
    .string()
    .default(fallback)
    .superRefine((value, ctx) => {
      const problem = checkDuration(value, minMs, maxMs);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });

/** Node names go into every service ID and the ownership marker: a safe alphabet only. */
const NODE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** The registrator's environment, beside core's common variables (README, "Environment"). */
export const envShape = {
  /** As Consul's CLI reads it; the node's own agent. */
  CONSUL_HTTP_ADDR: z
    .string()
    .default('127.0.0.1:8500')
    .refine((v) => typeof parseConsulAddr(v) !== 'string', { error: (issue) => String(parseConsulAddr(String(issue.input))) }),
  CONSUL_HTTP_SSL: boolFromEnv.default(false),
  CONSUL_HTTP_TOKEN: z.string().min(1).optional(),
  /** As the Docker CLI reads it. */
  DOCKER_HOST: z.string().default('unix:///var/run/docker.sock').pipe(fromParser(parseDockerHost)),
  /** Refused when set: TLS to the engine is not supported (the node's socket needs none). */
  DOCKER_TLS_VERIFY: z
    .string()
    .refine((v) => v === '0', { message: 'TLS to the engine is not supported: use the unix socket and unset DOCKER_TLS_VERIFY' })
    .optional(),
  /** The address published ports are reachable on (the node's IP, `status.hostIP` in Kubernetes). */
  NODE_IP: z.string().refine((v) => isIP(v) !== 0, { message: 'must be an IPv4 or IPv6 address' }),
  /** Marks what this registrator owns (`registrator-node` meta); defaults to the host name. */
  NODE_NAME: z.string().regex(NODE_NAME_PATTERN, 'must be 1-63 of [A-Za-z0-9._-], starting alphanumeric').default(hostname().slice(0, 63)),
  REGISTRATOR_RESYNC_MS: intFromEnv(200).default(30_000),
  REGISTRATOR_DEBOUNCE_MS: intFromEnv(0).pipe(z.number().max(5_000)).default(50),
  REGISTRATOR_CHECK_INTERVAL: duration('10s', 100, 600_000),
  REGISTRATOR_CHECK_TIMEOUT: duration('2s', 100, 60_000),
  /** Consul reaps a registration critical this long: the safety net if the registrator itself is gone. */
  REGISTRATOR_DEREGISTER_AFTER: duration('10m', 60_000, 7 * 24 * 3_600_000),
};

export const envPrefixes = ['REGISTRATOR_'];

/**
 * The agent's base URL (`.../v1`): CONSUL_HTTP_ADDR read by the renderer's parser (one
 * reading of Consul's CLI convention), https for a scheme-less address with CONSUL_HTTP_SSL.
 */
export function consulBaseUrl(env: Pick<RegistratorEnv, 'CONSUL_HTTP_ADDR' | 'CONSUL_HTTP_SSL'>): string {
  const parsed = parseConsulAddr(env.CONSUL_HTTP_ADDR, env.CONSUL_HTTP_SSL);
  // Validated by the schema already; the fallback only satisfies the type.
  return typeof parsed === 'string' ? 'http://127.0.0.1:8500/v1' : parsed.baseUrl;
}

export type RegistratorEnv = z.infer<z.ZodObject<typeof envShape>>;

/**
 * How long the loop may stay silent before `/healthz` fails: read before the environment
 * is validated (runComponent takes it up front). The loop beats at least once a resync.
 */
export function maxSilenceMs(rawResync: string | undefined): number {
  const n = Number(rawResync);
  const resync = Number.isFinite(n) && n > 0 ? n : 30_000;
  return Math.max(120_000, resync * 2 + 60_000);
}
