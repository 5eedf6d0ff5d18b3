import { boolFromEnv, intFromEnv, parseHostPort, z, type HostPort } from '@api-server/core';
import type { GlobalOptions } from '@api-server/haproxy';
import type { SupervisorOptions } from './supervisor-options.js';

/** HAProxy's time format (`30s`, `500ms`, `1m`); passed through to the `global` section as written. */
const haproxyTime = z
  .string()
  .regex(/^\d+(us|ms|s|m|h|d)?$/, 'expected an HAProxy time such as 30s, 500ms or 1m');

/**
 * A syslog target `host:port`. The values `off` and `none` disable it (an empty value
 * is dropped by core's parseEnv and would fall back to the default, see
 * {@link syslogTargets}).
 */
const syslogAddr = z.string().refine((v) => isOff(v) || parseHostPort(v, '127.0.0.1') !== undefined, {
  message: 'expected host:port, or "off" to disable',
});

/** Environment of the supervisor (docs/architecture.md, "processes, ports, environment"). */
export const envShape = {
  HAPROXY_BIN: z.string().min(1).default('haproxy'),
  /** Seconds between failing /readyz and soft-stopping HAProxy on SIGTERM. */
  DRAIN_SECONDS: intFromEnv(0).default(0),
  SYSLOG_TCP_ADDR: syslogAddr.default('127.0.0.1:5141'),
  SYSLOG_UDP_ADDR: syslogAddr.default('off'),
  HAPROXY_HARD_STOP_AFTER: haproxyTime.default('30s'),
  /**
   * 0 (default) leaves close-spread-time out: with `idle-close-on-response` every
   * old-worker connection then closes cleanly after its next response. A window
   * spreads reconnects, but connections still idle when it ends are closed under the
   * client (we measured resets with 1s windows).
   */
  HAPROXY_CLOSE_SPREAD_TIME: haproxyTime.default('0'),
  HAPROXY_MAX_RELOADS: intFromEnv(1).default(50),
  /**
   * Reloads start at least this far apart. The first change after a quiet period
   * reloads at once; a burst then coalesces into one more reload with the newest version.
   */
  HAPROXY_MIN_RELOAD_INTERVAL: haproxyTime.default('1s'),
  /** A server removed at runtime that still has connections after this long is dropped by a reload. */
  HAPROXY_DELETE_TIMEOUT: haproxyTime.default('30s'),
  /** Apply server-only changes through the runtime API (true) or always reload (false). */
  HAPROXY_RUNTIME_UPDATES: boolFromEnv.default(true),
  /**
   * Retired: every version published to `live/current` passes `haproxy -c`, runtime-only
   * ones included (checked right after their commands; a restart starts from
   * `live/current`, so it must never hold an unchecked version). `true` is accepted and
   * changes nothing, so deployments that set it keep starting; `false` is refused.
   */
  HAPROXY_RUNTIME_CHECK: boolFromEnv.optional().refine((v) => v !== false, {
    message: 'retired: every live version is checked with haproxy -c, runtime-only ones too; remove HAPROXY_RUNTIME_CHECK',
  }),
  /**
   * Probe new `bind` addresses before a reload and refuse the version when another
   * process holds one (see haproxy/bind-probe.ts). Off only to debug the probe.
   */
  HAPROXY_BIND_CHECK: boolFromEnv.default(true),
};

/** Unknown variables with these prefixes stop the process (a typo must not fall back silently). */
export const envPrefixes = ['HAPROXY_'];

export type SupervisorEnv = { [K in keyof typeof envShape]: z.infer<(typeof envShape)[K]> };

function isOff(value: string): boolean {
  return ['off', 'none', 'disabled'].includes(value.trim().toLowerCase());
}

/**
 * Where HAProxy's `global` sends logs. A variable set to the empty string disables
 * its target too: core's parseEnv treats empty as unset, so the raw environment is
 * consulted here.
 */
export function syslogTargets(
  env: Pick<SupervisorEnv, 'SYSLOG_TCP_ADDR' | 'SYSLOG_UDP_ADDR'>,
  raw: NodeJS.ProcessEnv = process.env,
): { tcp: HostPort | null; udp: HostPort | null } {
  const pick = (name: 'SYSLOG_TCP_ADDR' | 'SYSLOG_UDP_ADDR'): HostPort | null => {
    if (raw[name] !== undefined && raw[name]!.trim() === '') return null;
    const value = env[name];
    return isOff(value) ? null : (parseHostPort(value, '127.0.0.1') ?? null);
  };
  return { tcp: pick('SYSLOG_TCP_ADDR'), udp: pick('SYSLOG_UDP_ADDR') };
}

/** HAProxy time string to milliseconds (for our own waits around hard-stop-after). */
function haproxyTimeMs(value: string): number {
  const match = /^(\d+)(us|ms|s|m|h|d)?$/.exec(value);
  if (!match) return 0;
  const n = Number(match[1]);
  const unit = match[2] ?? 'ms';
  const factor: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  return n * (factor[unit] ?? 1);
}

/** The supervisor's timings and switches, from the environment (milliseconds for our own waits). */
export function supervisorSettings(
  env: Pick<SupervisorEnv, 'DRAIN_SECONDS' | 'HAPROXY_BIND_CHECK' | 'HAPROXY_HARD_STOP_AFTER' | 'HAPROXY_MIN_RELOAD_INTERVAL' | 'HAPROXY_DELETE_TIMEOUT' | 'HAPROXY_RUNTIME_UPDATES'>,
): Pick<SupervisorOptions, 'drainSeconds' | 'bindCheck' | 'stopTimeoutMs' | 'minReloadIntervalMs' | 'deleteTimeoutMs' | 'runtimeUpdates'> {
  return {
    drainSeconds: env.DRAIN_SECONDS,
    bindCheck: env.HAPROXY_BIND_CHECK,
    // HAProxy's own hard-stop-after bounds a soft stop; the margin covers its exit.
    stopTimeoutMs: haproxyTimeMs(env.HAPROXY_HARD_STOP_AFTER) + 5000,
    minReloadIntervalMs: haproxyTimeMs(env.HAPROXY_MIN_RELOAD_INTERVAL),
    deleteTimeoutMs: haproxyTimeMs(env.HAPROXY_DELETE_TIMEOUT),
    runtimeUpdates: env.HAPROXY_RUNTIME_UPDATES,
  };
}

/** What the `global` section the supervisor adds says, from the environment and the run directory's paths. */
export function globalOptions(
  env: Pick<SupervisorEnv, 'SYSLOG_TCP_ADDR' | 'SYSLOG_UDP_ADDR' | 'HAPROXY_HARD_STOP_AFTER' | 'HAPROXY_CLOSE_SPREAD_TIME' | 'HAPROXY_MAX_RELOADS'>,
  paths: { adminSocket: string; serverStateFile: string },
  raw: NodeJS.ProcessEnv = process.env,
): GlobalOptions {
  const syslog = syslogTargets(env, raw);
  return {
    adminSocket: paths.adminSocket,
    serverStateFile: paths.serverStateFile,
    syslogTcp: syslog.tcp,
    syslogUdp: syslog.udp,
    hardStopAfter: env.HAPROXY_HARD_STOP_AFTER,
    closeSpreadTime: env.HAPROXY_CLOSE_SPREAD_TIME,
    maxReloads: env.HAPROXY_MAX_RELOADS,
  };
}
