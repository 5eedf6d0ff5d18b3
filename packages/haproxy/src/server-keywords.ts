/**
 * The server keywords HAProxy 2.6 accepts on `add server` (management guide, "add
 * server"), with how many values each takes. A keyword missing here (`cookie`,
 * `resolvers`, `init-addr`, `no-check`, `source`, ...) makes a change take a reload.
 */
const ADD_SERVER_KEYWORDS: Record<string, 0 | 1> = {
  'agent-addr': 1, 'agent-check': 0, 'agent-inter': 1, 'agent-port': 1, 'agent-send': 1,
  'allow-0rtt': 0, alpn: 1, addr: 1, backup: 0, 'ca-file': 1, check: 0, 'check-alpn': 1,
  'check-proto': 1, 'check-send-proxy': 0, 'check-sni': 1, 'check-ssl': 0, 'check-via-socks4': 0,
  ciphers: 1, ciphersuites: 1, 'crl-file': 1, crt: 1, disabled: 0, downinter: 1, enabled: 0,
  'error-limit': 1, fall: 1, fastinter: 1,
  'force-sslv3': 0, 'force-tlsv10': 0, 'force-tlsv11': 0, 'force-tlsv12': 0, 'force-tlsv13': 0,
  id: 1, inter: 1, maxconn: 1, maxqueue: 1, minconn: 1, 'no-ssl-reuse': 0,
  'no-sslv3': 0, 'no-tlsv10': 0, 'no-tlsv11': 0, 'no-tlsv12': 0, 'no-tlsv13': 0, 'no-tls-tickets': 0,
  npn: 1, observe: 1, 'on-error': 1, 'on-marked-down': 1, 'on-marked-up': 1,
  'pool-low-conn': 1, 'pool-max-conn': 1, 'pool-purge-delay': 1, port: 1, proto: 1,
  'proxy-v2-options': 1, rise: 1, 'send-proxy': 0, 'send-proxy-v2': 0, 'send-proxy-v2-ssl': 0,
  'send-proxy-v2-ssl-cn': 0, slowstart: 1, sni: 1, ssl: 0, 'ssl-max-ver': 1, 'ssl-min-ver': 1,
  tfo: 0, 'tls-tickets': 0, track: 1, verify: 1, verifyhost: 1, weight: 1, ws: 1,
};

/** Keywords whose value is a file: only absolute paths, a relative one would resolve against HAProxy's cwd. */
const FILE_KEYWORDS = new Set(['ca-file', 'crl-file', 'crt']);

/** One keyword of a server line, with its value when it takes one. */
interface ServerKeyword {
  name: string;
  value?: string;
}

/** What the runtime API can set on an existing server; every other keyword is fixed. */
export interface ServerSettable {
  host: string;
  port: number;
  weight: number;
  /** `disabled` on the line: the server is in maintenance. */
  disabled: boolean;
}

/** A server line made ready for the runtime API: accepted keywords, settable values apart. */
export interface RuntimeServer extends ServerSettable {
  /** The keywords to pass to `add server` (defaults applied, `init-addr` dropped). */
  args: string[];
  /** Everything the runtime API cannot change on an existing server, as one comparable string. */
  fixed: string;
  check: boolean;
  agent: boolean;
}

/**
 * Turns `default-server` keywords (defaults section, then backend) plus a server
 * line's own into what `add server` needs: dynamic servers take nothing from
 * `default-server`, so the supervisor passes the effective keywords itself. Returns a
 * reason string when the runtime API cannot create this server as the config would.
 */
export function toRuntimeServer(address: string, defaults: readonly string[], own: readonly string[]): RuntimeServer | string {
  const addr = parseIpAddress(address);
  if (!addr) return `address "${address}" is not an IP literal with a port (dynamic servers do not resolve names)`;
  const parsed = parseKeywords([...defaults, ...own]);
  if (typeof parsed === 'string') return parsed;
  // Last one wins, as when HAProxy parses default-server and then the server line.
  const byName = new Map<string, ServerKeyword>();
  for (const kw of parsed) {
    if (kw.name === 'init-addr') continue; // Meaningless for an IP literal.
    byName.delete(kw.name);
    byName.set(kw.name, kw);
  }
  const weightText = byName.get('weight')?.value ?? '1';
  const weight = Number(weightText);
  if (!/^\d+$/.test(weightText) || weight > 256) return `weight "${weightText}" is not between 0 and 256`;
  let disabled = false;
  for (const kw of parsed) if (kw.name === 'disabled' || kw.name === 'enabled') disabled = kw.name === 'disabled';
  const keywords = [...byName.values()];
  const args = keywords.flatMap((k) => (k.value === undefined ? [k.name] : [k.name, k.value]));
  const fixed = keywords
    .filter((k) => !['weight', 'disabled', 'enabled'].includes(k.name))
    .map((k) => (k.value === undefined ? k.name : `${k.name}=${k.value}`))
    .sort()
    .join(' ');
  return { ...addr, weight, disabled, args, fixed, check: byName.has('check'), agent: byName.has('agent-check') };
}

/** Keyword tokens to `{name, value}`, or why one cannot be added at runtime. */
function parseKeywords(tokens: readonly string[]): ServerKeyword[] | string {
  const out: ServerKeyword[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const name = tokens[i]!;
    if (name === 'init-addr') {
      out.push({ name, value: tokens[++i] });
      continue;
    }
    const arity = ADD_SERVER_KEYWORDS[name];
    if (arity === undefined) return `server keyword "${name}" cannot be set through "add server" in HAProxy 2.6`;
    if (arity === 0) {
      out.push({ name });
      continue;
    }
    const value = tokens[++i];
    if (value === undefined) return `server keyword "${name}" has no value`;
    if (FILE_KEYWORDS.has(name) && !value.startsWith('/')) return `server keyword "${name}" names a relative path`;
    out.push({ name, value });
  }
  return out;
}

/** `10.0.0.1:8080` or `[fd00::1]:8080` (also `ipv4@`/`ipv6@`), or null for names, ranges and ports maps. */
export function parseIpAddress(address: string): { host: string; port: number } | null {
  const s = address.replace(/^ipv[46]@/, '');
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(s) ?? /^(\d{1,3}(?:\.\d{1,3}){3}):(\d+)$/.exec(s);
  if (!m) return null;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return null;
  if (!m[1]!.includes(':') && m[1]!.split('.').some((o) => Number(o) > 255)) return null;
  return { host: m[1]!, port };
}
