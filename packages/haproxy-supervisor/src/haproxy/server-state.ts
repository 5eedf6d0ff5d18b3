import type { VersionFile } from '@api-server/core';
import { parseIpAddress, parseSections } from '@api-server/haproxy';

/** Backend -> server -> configured `host:port` (null when not an IP literal). */
export type ConfiguredServers = Map<string, Map<string, string | null>>;

/** The servers a version configures, by backend (backend and listen sections). */
export function configuredServers(files: readonly VersionFile[]): ConfiguredServers {
  const out: ConfiguredServers = new Map();
  for (const section of parseSections(files)) {
    if (section.kind !== 'backend' && section.kind !== 'listen') continue;
    const servers = new Map<string, string | null>();
    for (const s of section.servers) {
      const addr = parseIpAddress(s.address);
      servers.set(s.name, addr ? `${addr.host}:${addr.port}` : null);
    }
    out.set(section.name.split(' ')[0]!, servers);
  }
  return out;
}

/**
 * Drops the lines of a `show servers state` dump that would carry a stale address
 * into the next worker. HAProxy 2.6 restores a server's port from the state file even
 * when the configuration names another one (verified: config port 19002, state 19003,
 * the new worker used 19003), so a server whose configured address or port differs
 * from the dump, or that the new version no longer has, starts from its config line.
 * Backends this parser does not know are left alone.
 */
export function filterServerState(dump: string, servers: ConfiguredServers): string {
  const lines = dump.split('\n');
  return lines
    .filter((line) => {
      if (line.startsWith('#') || !/^\d+ /.test(line)) return true;
      const cols = line.split(' ');
      const backend = servers.get(cols[1] ?? '');
      if (!backend) return true;
      if (!backend.has(cols[3] ?? '')) return false;
      const configured = backend.get(cols[3] ?? '');
      if (configured === null || configured === undefined) return true;
      const host = cols[4] ?? '';
      return configured === `${host}:${cols[18] ?? ''}`;
    })
    .join('\n');
}
