import type { HostPort, VersionFile } from '@api-server/core';

/**
 * Name of the supervisor's own file inside each live version. It must sort before
 * every rendered `*.cfg`: `log global` in a `defaults` section copies the global log
 * targets known at that point of parsing, so a defaults file read first would log
 * nowhere (`00-defaults.cfg` sorts before `00-haproxy-...`; verified).
 */
export const GLOBAL_FILE = '0-haproxy-supervisor.cfg';

/** Rendered `*.cfg` files that HAProxy would read before the supervisor's global section. */
export function sortsBeforeGlobal(paths: readonly string[]): string[] {
  return paths.filter((p) => !p.includes('/') && p.endsWith('.cfg') && p !== GLOBAL_FILE && p < GLOBAL_FILE);
}

/**
 * The files HAProxy runs for a rendered version: the rendered files (a rendered file
 * taking {@link GLOBAL_FILE}'s name is dropped: the policy reports it) plus the
 * supervisor's global file. The supervisor publishes exactly this; `apictl validate`
 * checks exactly this.
 */
export function withGlobal(rendered: readonly VersionFile[], globalText: string): VersionFile[] {
  return [...rendered.filter((f) => f.path !== GLOBAL_FILE), { path: GLOBAL_FILE, data: Buffer.from(globalText, 'utf8') }];
}

/**
 * The supervisor's global section as `apictl validate` checks it: the supervisor's
 * defaults (HAPROXY_HARD_STOP_AFTER, HAPROXY_MAX_RELOADS, SYSLOG_TCP_ADDR), with its
 * sockets and state file under `dir` (`haproxy -c` opens none of them).
 */
export function checkGlobal(dir: string): string {
  return renderGlobal({
    adminSocket: `${dir}/haproxy-admin.sock`,
    serverStateFile: `${dir}/server-state`,
    syslogTcp: { host: '127.0.0.1', port: 5141 },
    syslogUdp: null,
    hardStopAfter: '30s',
    closeSpreadTime: '0',
    maxReloads: 50,
  });
}

/** Name of the HAProxy `ring` that buffers logs on their way to the log-shipper. */
export const LOG_RING = 'haproxy-supervisor-log';

export interface GlobalOptions {
  adminSocket: string;
  serverStateFile: string;
  syslogTcp: HostPort | null;
  syslogUdp: HostPort | null;
  hardStopAfter: string;
  closeSpreadTime: string;
  maxReloads: number;
}

/**
 * The `global` section the supervisor adds to every live version (HAProxy merges
 * several `global` sections): what the supervisor itself relies on (admin socket with
 * `expose-fd listeners` for seamless reloads, the server-state file) and where logs go,
 * so templates only say `log global`. Pure: equal options, equal bytes, equal version id.
 */
export function renderGlobal(opts: GlobalOptions): string {
  const lines = [
    '# Written by haproxy-supervisor; templates never need to repeat any of this.',
    'global',
    `  stats socket ${opts.adminSocket} mode 600 level admin expose-fd listeners`,
    `  server-state-file ${opts.serverStateFile}`,
    `  hard-stop-after ${opts.hardStopAfter}`,
    `  mworker-max-reloads ${opts.maxReloads}`,
    // HAProxy's internal HTTP client (Lua, OCSP updates) is unused here (the policy forbids
    // Lua): without this line every start, `haproxy -c` included, spends ~0.05 s of CPU
    // loading the system CA bundle for it (measured on 2.6.12).
    '  httpclient.ssl.verify none',
  ];
  // Zero means "no window": HAProxy's default, so the line is left out.
  if (!/^0+[a-z]*$/.test(opts.closeSpreadTime)) lines.push(`  close-spread-time ${opts.closeSpreadTime}`);
  if (opts.syslogTcp) lines.push(`  log ring@${LOG_RING} local0`);
  if (opts.syslogUdp) lines.push(`  log ${addr(opts.syslogUdp)} local0`);
  if (opts.syslogTcp) {
    // The ring buffers while the log-shipper is away (a restart), then forwards
    // octet-counted RFC 5424 over TCP, so no line is lost or split. Its size is the
    // outage it covers: a line takes its length + 2 bytes, so 8 MiB holds ~14 s of
    // 600-byte lines (~40 s of 200-byte ones) at 1,000 lines/s, about 4x the longest
    // shipper restart measured (SIGTERM to the ring reconnected: 3.3 s under load;
    // bench/log-ring.ts). Full, HAProxy drops the newest lines and says so in-band,
    // which log-shipper counts (log_shipper_haproxy_dropped_messages_total).
    lines.push(
      '',
      `ring ${LOG_RING}`,
      '  description "HAProxy logs to the log-shipper"',
      '  format rfc5424',
      '  maxlen 8192',
      '  size 8388608',
      '  timeout connect 5s',
      '  timeout server 10s',
      `  server log-shipper ${addr(opts.syslogTcp)} log-proto octet-count`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function addr(hp: HostPort): string {
  return hp.host.includes(':') ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`;
}
