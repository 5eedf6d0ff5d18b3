/** Where the engine's API is: a unix socket or a TCP host and port. */
export type EngineAddress = { kind: 'unix'; socketPath: string } | { kind: 'tcp'; host: string; port: number };

/**
 * `DOCKER_HOST` the way the Docker CLI reads it: `unix:///path/to.sock`, or
 * `tcp://host:port` (`http://` is taken as tcp too; the port defaults to 2375).
 * TLS (`DOCKER_TLS_VERIFY`, `https://`) is refused: on a node the engine is reached
 * through its local socket; a remote engine belongs behind a TLS-terminating proxy.
 * Returns an error message instead of throwing, for the zod schema.
 */
export function parseDockerHost(value: string): EngineAddress | string {
  const raw = value.trim();
  if (raw.startsWith('unix://')) {
    const socketPath = raw.slice('unix://'.length);
    if (!socketPath.startsWith('/')) return `unix socket path must be absolute, got "${socketPath}"`;
    return { kind: 'unix', socketPath };
  }
  if (raw.startsWith('npipe://')) return 'named pipes (npipe://) are Windows-only';
  if (raw.startsWith('ssh://')) return 'ssh:// is not supported; run the registrator on the engine host';
  if (raw.startsWith('https://')) return 'TLS to the engine is not supported; use the unix socket or tcp:// behind a TLS-terminating proxy';
  const withScheme = /^(tcp|http):\/\//.test(raw) ? raw.replace(/^tcp:/, 'http:') : raw.includes('://') ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return `expected unix:///path or tcp://host:port, got "${value}"`;
  }
  if (url.protocol !== 'http:') return `unsupported scheme ${url.protocol} (use unix:// or tcp://)`;
  if (!url.hostname) return `no host in "${value}"`;
  return { kind: 'tcp', host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 2375) };
}

export function describeEngine(address: EngineAddress): string {
  return address.kind === 'unix' ? `unix://${address.socketPath}` : `tcp://${address.host}:${address.port}`;
}
