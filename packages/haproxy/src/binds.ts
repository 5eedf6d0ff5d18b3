import { bytes, type VersionFile } from '@api-server/core';

/** One TCP address a `bind` line listens on. */
export interface BindAddress {
  file: string;
  line: number;
  text: string;
  /** '' for all interfaces (`:80`, `*:80`). */
  host: string;
  port: number;
}

/**
 * The TCP addresses the `bind` lines of a version listen on. Only the top-level
 * `*.cfg` files count (what `-f <dir>` loads). Skipped, because a probe could not
 * judge them: UNIX/abstract/fd/sockpair/QUIC sockets, port ranges, `${VAR}` expansions.
 */
export function parseBinds(files: readonly VersionFile[]): BindAddress[] {
  const out: BindAddress[] = [];
  for (const file of files) {
    if (file.path.includes('/') || !file.path.endsWith('.cfg')) continue;
    const lines = bytes(file.data).toString('utf8').split('\n');
    lines.forEach((raw, i) => {
      const match = /^\s*bind\s+(\S+)/.exec(raw);
      if (!match) return;
      for (const spec of match[1]!.split(',')) {
        const addr = parseAddress(spec);
        if (addr) out.push({ file: file.path, line: i + 1, text: raw.trim(), ...addr });
      }
    });
  }
  return out;
}

/** `host:port` of one bind address, or undefined when it is not a plain TCP address. */
export function parseAddress(spec: string): { host: string; port: number } | undefined {
  let s = spec.replace(/^["']|["']$/g, '');
  if (s.includes('$')) return undefined;
  const prefix = /^([a-z0-9]+)@/.exec(s);
  if (prefix) {
    if (!['ipv4', 'ipv6', 'tcp', 'tcp4', 'tcp6'].includes(prefix[1]!)) return undefined;
    s = s.slice(prefix[0].length);
  }
  const match = /^\[([^\]]*)\]:(\d+)$/.exec(s) ?? /^(.*):(\d+)$/.exec(s);
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  const host = match[1] === '*' ? '' : match[1]!;
  return { host, port };
}

/**
 * Binds of the candidate on ports no live bind uses: only those can be held by
 * another process (ports the running HAProxy holds are handed over on reload).
 */
export function newBinds(live: readonly VersionFile[] | null, candidate: readonly VersionFile[]): BindAddress[] {
  const livePorts = new Set(parseBinds(live ?? []).map((b) => b.port));
  return parseBinds(candidate).filter((b) => !livePorts.has(b.port));
}
