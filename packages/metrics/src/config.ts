import { isAbsolute, join } from 'node:path';
import { addressEnv, intFromEnv, z } from '@api-server/core';

/** Default for the component's own `/metrics` `/healthz` `/readyz` (METRICS_ADDR). */
export const DEFAULT_METRICS_ADDR = ':9705';

/**
 * Environment of the metrics component (docs/architecture.md, "processes, ports,
 * environment"). Validated once at start; a bad value exits 2 naming the variable.
 */
export const envShape = {
  LOG_DIR: z.string().min(1).default('/var/log/api-server'),
  HAPROXY_STATS_SOCKET: z.string().min(1).default('run/haproxy-admin.sock'),
  LOG_METRICS_ADDR: addressEnv(':3803'),
  HAPROXY_METRICS_ADDR: addressEnv(':9101'),
  /** Most label sets one log-derived metric may hold; more fold into one overflow series. */
  LOG_METRICS_MAX_SERIES: intFromEnv(1).default(10_000),
  /** A label set not updated for this long is dropped from :3803. */
  LOG_METRICS_SERIES_TTL_MS: intFromEnv(1000).default(3_600_000),
  /** How often the tailer looks for new bytes, a rotation or a truncation. */
  LOG_METRICS_POLL_MS: intFromEnv(10).default(250),
  /**
   * Longest time the position stays unsaved while the tailer is busy (it is also saved
   * whenever the tailer catches up, i.e. about every poll under steady traffic). After a
   * SIGKILL the lines read in the last interval are counted again: none when caught up,
   * up to this long of reading through a backlog.
   */
  LOG_METRICS_POSITION_INTERVAL_MS: intFromEnv(50).max(60_000).default(250),
  /** Position file (inode, offset); relative paths are under SHARED_DIR. */
  LOG_METRICS_POSITION_FILE: z.string().min(1).default('state/metrics-position.json'),
  /** Longest wait for one stats socket answer before the scrape reports haproxy_up 0. */
  HAPROXY_STATS_TIMEOUT_MS: intFromEnv(1).default(2000),
};

export type MetricsEnv = z.infer<z.ZodObject<typeof envShape>>;

/** Unknown variables with these prefixes are reported (a typo must not fall back silently). */
export const envPrefixes = ['LOG_METRICS_'];

/** Resolves a contract path: relative paths live under SHARED_DIR. */
export function underShared(sharedDir: string, path: string): string {
  return isAbsolute(path) ? path : join(sharedDir, path);
}
