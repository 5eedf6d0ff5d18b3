/** Where Consul's HTTP API is, parsed the way Consul's own CLI reads CONSUL_HTTP_ADDR. */
export interface ConsulAddress {
  baseUrl: string;
}

/**
 * `host:port`, `host`, `http://host:port` or `https://host:port` (CONSUL_HTTP_SSL=true
 * turns the scheme-less forms into https, as in Consul's CLI). Unix sockets are not
 * supported. Returns an error message instead of throwing, for the zod schema.
 */
export function parseConsulAddr(value: string, ssl = false): ConsulAddress | string {
  const raw = value.trim();
  if (raw.startsWith('unix://')) return 'unix sockets are not supported; use host:port or http(s)://host:port';
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `${ssl ? 'https' : 'http'}://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return `expected host:port or http(s)://host:port, got "${value}"`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `unsupported scheme ${url.protocol} (use http or https)`;
  if (!url.hostname) return `no host in "${value}"`;
  const port = url.port || (url.protocol === 'https:' ? '443' : raw.includes('://') ? '80' : '8500');
  return { baseUrl: `${url.protocol}//${url.hostname.includes(':') && !url.hostname.startsWith('[') ? `[${url.hostname}]` : url.hostname}:${port}/v1` };
}
