import { boolFromEnv, intFromEnv, parseHostPort, z, type HostPort } from '@api-server/core';

const MiB = 1024 * 1024;

/**
 * A loopback syslog address: `host:port`, host defaults to 127.0.0.1 (the pod's loopback).
 * Defaults use `.prefault()`: in zod 4 `.default()` returns the value without the transform.
 */
const syslogAddress = z.string().transform((value, ctx): HostPort => {
  const parsed = parseHostPort(value, '127.0.0.1');
  if (!parsed) {
    ctx.addIssue({ code: 'custom', message: `expected host:port, got "${value}"` });
    return z.NEVER;
  }
  return parsed;
});

const optionalUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// URL');

/** Environment of log-shipper (docs/architecture.md, "processes, ports, environment"). */
export const envShape = {
  LOG_DIR: z.string().min(1).default('/var/log/api-server'),
  /** Rotate when `haproxy.log` would grow past this (bytes). */
  LOG_ROTATE_MAX_BYTES: intFromEnv(1024).default(100 * MiB),
  /** Rotate a non-empty file this old (seconds since it was opened/created); 0 = never by age. */
  LOG_ROTATE_MAX_AGE_SECONDS: intFromEnv(0).default(86_400),
  /** Rotated files kept (`haproxy.log.1.gz` .. `.N.gz`). */
  LOG_ROTATE_KEEP: intFromEnv(1).default(10),
  /** Also delete rotated files older than this many days; 0 = keep by count only. */
  LOG_ROTATE_KEEP_DAYS: intFromEnv(0).default(0),
  /** gzip level of rotated files (1 fastest .. 9 smallest). */
  LOG_ROTATE_GZIP_LEVEL: intFromEnv(1).max(9).default(6),
  SYSLOG_TCP_ADDR: syslogAddress.prefault('127.0.0.1:5141'),
  SYSLOG_UDP_ADDR: syslogAddress.prefault('127.0.0.1:5140'),
  /**
   * Open syslog TCP connections at most. HAProxy's ring uses one per `server` line;
   * at the cap the least recently active connection is closed for the newcomer.
   */
  SYSLOG_TCP_MAX_CONNECTIONS: intFromEnv(1).max(10_000).default(64),
  /**
   * A TCP connection that carried nothing for this long is closed. HAProxy 2.6 keeps
   * an idle ring connection open forever (its ring `timeout server` does not close it)
   * and reconnects at once when we close it, so this only costs a reconnect.
   */
  SYSLOG_TCP_IDLE_TIMEOUT_MS: intFromEnv(1000).default(300_000),
  /** Longer messages are cut to this size, kept and counted as truncated. */
  SYSLOG_MAX_MESSAGE_BYTES: intFromEnv(480).default(64 * 1024),
  /** SO_RCVBUF asked for the UDP socket (the kernel caps it at net.core.rmem_max). */
  SYSLOG_UDP_RECV_BUFFER_BYTES: intFromEnv(0).default(8 * MiB),
  /** JSON lines of parsed records on stdout. */
  SINK_STDOUT: boolFromEnv.prefault('false'),
  /** POST batches here; unset = no HTTP sink. */
  SINK_HTTP_URL: optionalUrl.optional(),
  /** Body shape: NDJSON records, Elasticsearch `_bulk` (action line per record) or Loki push JSON. */
  SINK_HTTP_FORMAT: z.enum(['ndjson', 'elasticsearch', 'loki']).default('ndjson'),
  SINK_HTTP_BATCH_BYTES: intFromEnv(1024).default(1 * MiB),
  /** Longest a record waits for its batch to fill. */
  SINK_HTTP_BATCH_WAIT_MS: intFromEnv(1).default(1000),
  /** Bound of records waiting for the HTTP sink (bytes of NDJSON). */
  SINK_HTTP_BUFFER_BYTES: intFromEnv(1024).default(64 * MiB),
  /** When the buffer is full: `block` stops reading syslog TCP (HAProxy's ring buffers), `drop-newest` drops and counts. */
  SINK_HTTP_OVERFLOW: z.enum(['block', 'drop-newest']).default('block'),
  SINK_HTTP_RETRY_INITIAL_MS: intFromEnv(1).default(250),
  SINK_HTTP_RETRY_MAX_MS: intFromEnv(1).default(30_000),
  SINK_HTTP_TIMEOUT_MS: intFromEnv(100).default(10_000),
  /** Extra request headers, `Name: value` separated by newlines or `;;` (e.g. an Authorization header). */
  SINK_HTTP_HEADERS: z.string().default(''),
};

export type LogShipperEnv = z.infer<z.ZodObject<typeof envShape>>;

export const envPrefixes = ['LOG_', 'SINK_', 'SYSLOG_'];

/** `Name: value` pairs from SINK_HTTP_HEADERS. */
export function parseHeaders(spec: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of spec.split(/\n|;;/)) {
    const colon = part.indexOf(':');
    if (colon > 0) out[part.slice(0, colon).trim()] = part.slice(colon + 1).trim();
  }
  return out;
}
