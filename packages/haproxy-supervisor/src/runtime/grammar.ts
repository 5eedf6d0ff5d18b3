import { isIPv4, isIPv6 } from 'node:net';

/**
 * The strict grammar of every runtime-API command the supervisor sends to HAProxy's
 * admin socket. Pure.
 *
 * Why: the arguments come from rendered server lines, i.e. from Consul data through
 * templates, and HAProxy's CLI splits a line into several commands on `;` (verified on
 * 2.6: `add server be/s 1.2.3.4:80 inter 1s;show ssl ca-file` runs both). So a command
 * is accepted only when every token has the shape its position calls for; anything
 * else is not sent, and the change takes the checked reload path instead.
 *
 * Tokens are separated by exactly one space. No token may hold whitespace, control
 * characters, non-ASCII, `;`, quotes, `#`, `\`, `<`, `>`, `` ` `` or `$` (the CLI's
 * separator, its escapes and payload syntax, and what a config parser would read as a
 * comment or a variable).
 */

/** What a keyword's value must look like. A string array is an enumeration. */
export type ArgType =
  | 'flag'
  | 'int'
  | 'pool-max'
  | 'time'
  | 'weight'
  | 'port'
  | 'host'
  | 'hostname'
  | 'identifier'
  | 'track'
  | 'path'
  | 'proto-list'
  | 'id-list'
  | 'ciphers'
  | 'sample'
  | 'text'
  | readonly string[];

const SSL_VERSIONS = ['SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;

/**
 * Every keyword the supervisor may pass to `add server`, with the type of its value
 * (HAProxy 2.6 configuration manual, section 5.2, restricted to what the management
 * guide lists for `add server`). A keyword missing here is never sent.
 */
const ADD_SERVER_GRAMMAR: Readonly<Record<string, ArgType>> = {
  'agent-addr': 'host', 'agent-check': 'flag', 'agent-inter': 'time', 'agent-port': 'port', 'agent-send': 'text',
  'allow-0rtt': 'flag', alpn: 'proto-list', addr: 'host', backup: 'flag', 'ca-file': 'path', check: 'flag',
  'check-alpn': 'proto-list', 'check-proto': 'identifier', 'check-send-proxy': 'flag', 'check-sni': 'hostname',
  'check-ssl': 'flag', 'check-via-socks4': 'flag', ciphers: 'ciphers', ciphersuites: 'ciphers', 'crl-file': 'path',
  crt: 'path', disabled: 'flag', downinter: 'time', enabled: 'flag', 'error-limit': 'int', fall: 'int',
  fastinter: 'time', 'force-sslv3': 'flag', 'force-tlsv10': 'flag', 'force-tlsv11': 'flag', 'force-tlsv12': 'flag',
  'force-tlsv13': 'flag', id: 'int', inter: 'time', maxconn: 'int', maxqueue: 'int', minconn: 'int',
  'no-ssl-reuse': 'flag', 'no-sslv3': 'flag', 'no-tlsv10': 'flag', 'no-tlsv11': 'flag', 'no-tlsv12': 'flag',
  'no-tlsv13': 'flag', 'no-tls-tickets': 'flag', npn: 'proto-list', observe: ['none', 'layer4', 'layer7'],
  'on-error': ['fastinter', 'fail-check', 'sudden-death', 'mark-down'], 'on-marked-down': ['shutdown-sessions'],
  'on-marked-up': ['shutdown-backup-sessions'], 'pool-low-conn': 'int', 'pool-max-conn': 'pool-max',
  'pool-purge-delay': 'time', port: 'port', proto: 'identifier', 'proxy-v2-options': 'id-list', rise: 'int',
  'send-proxy': 'flag', 'send-proxy-v2': 'flag', 'send-proxy-v2-ssl': 'flag', 'send-proxy-v2-ssl-cn': 'flag',
  slowstart: 'time', sni: 'sample', ssl: 'flag', 'ssl-max-ver': SSL_VERSIONS, 'ssl-min-ver': SSL_VERSIONS,
  tfo: 'flag', 'tls-tickets': 'flag', track: 'track', verify: ['none', 'required'], verifyhost: 'hostname',
  weight: 'weight', ws: ['auto', 'h1', 'h2'],
};

/** Printable ASCII minus what the CLI or a config parser treats specially. */
const SAFE_TOKEN = /^[!%&()*+,\-./0-9:=?@A-Z[\]^_a-z{|}~]+$/;
/** HAProxy's identifier alphabet for proxy and server names (`invalid_char()`). */
const IDENTIFIER = /^[A-Za-z0-9._:-]{1,64}$/;
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const MAX_LINE = 4096;

/** A value as it may appear in a reason (logged): quoted, escaped, cut short. */
export function shown(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value);
}

/** Checks one value against its type; null when it fits, else why not. */
export function checkArg(type: ArgType, value: string): string | null {
  if (!SAFE_TOKEN.test(value)) return `${shown(value)} holds a character the runtime API must not receive`;
  const ok = typeof type !== 'string' ? type.includes(value) : CHECKS[type](value);
  if (ok) return null;
  return `${shown(value)} is not ${typeof type === 'string' ? DESCRIBE[type] : `one of ${type.join(', ')}`}`;
}

const isInt = (v: string, max: number) => /^(0|[1-9]\d{0,9})$/.test(v) && Number(v) <= max;
const isIp = (v: string) => isIPv4(v) || (/^[0-9a-fA-F:.]+$/.test(v) && isIPv6(v));
const isHostname = (v: string) => v.length <= 253 && v.split('.').every((l) => LABEL.test(l)) && !/^[\d.]+$/.test(v);

const CHECKS: Record<Exclude<ArgType, readonly string[]>, (v: string) => boolean> = {
  flag: () => false,
  int: (v) => isInt(v, 2 ** 31 - 1),
  'pool-max': (v) => v === '-1' || isInt(v, 2 ** 31 - 1),
  time: (v) => /^(0|[1-9]\d{0,8})(us|ms|s|m|h|d)?$/.test(v),
  weight: (v) => isInt(v, 256),
  port: (v) => isInt(v, 65535) && v !== '0',
  host: (v) => isIp(v) || isHostname(v),
  hostname: isHostname,
  identifier: (v) => IDENTIFIER.test(v),
  track: (v) => v.split('/').length <= 2 && v.split('/').every((p) => IDENTIFIER.test(p)),
  path: (v) => v === '@system-ca' || (/^\/[A-Za-z0-9._/+@-]+$/.test(v) && !v.split('/').includes('..')),
  'proto-list': (v) => /^[A-Za-z0-9._/-]+(,[A-Za-z0-9._/-]+)*$/.test(v),
  'id-list': (v) => /^[a-z0-9-]+(,[a-z0-9-]+)*$/.test(v),
  ciphers: (v) => /^[A-Za-z0-9._:+!@=-]+$/.test(v),
  sample: (v) => /^[A-Za-z0-9._:,()/-]+$/.test(v),
  text: () => true,
};

const DESCRIBE: Record<Exclude<ArgType, readonly string[]>, string> = {
  flag: 'expected (the keyword takes no value)',
  int: 'a non-negative integer',
  'pool-max': 'a non-negative integer or -1',
  time: 'an HAProxy time (500ms, 5s)',
  weight: 'a weight between 0 and 256',
  port: 'a port between 1 and 65535',
  host: 'an IP literal or a hostname',
  hostname: 'a hostname',
  identifier: 'an HAProxy identifier (letters, digits, ".", ":", "_", "-")',
  track: 'a [backend/]server reference',
  path: 'an absolute file path',
  'proto-list': 'a comma-separated protocol list',
  'id-list': 'a comma-separated list of names',
  ciphers: 'an OpenSSL cipher string',
  sample: 'a sample expression without spaces',
  text: 'text',
};

/** `backend/server`, both HAProxy identifiers. */
function checkServerPath(value: string | undefined): string | null {
  if (value === undefined) return 'a backend/server name is missing';
  const parts = value.split('/');
  if (parts.length !== 2 || !parts.every((p) => IDENTIFIER.test(p))) return `${shown(value)} is not backend/server in HAProxy's identifier alphabet`;
  return null;
}

/** `ip:port`, `[ipv6]:port` or `hostname:port`. */
function checkAddress(value: string | undefined): string | null {
  if (value === undefined) return 'the address is missing';
  const m = /^\[([^\]]+)\]:([^:]+)$/.exec(value) ?? /^([^:[\]]+):([^:]+)$/.exec(value);
  const v6 = value.startsWith('[');
  if (!m || (v6 && !isIPv6(m[1]!)) || (!v6 && CHECKS.host(m[1]!) === false)) return `${shown(value)} is not an IP literal or hostname with a port`;
  return checkArg('port', m[2]!);
}

/** The keywords after `add server be/s addr:port`. */
function checkServerKeywords(tokens: readonly string[]): string | null {
  for (let i = 0; i < tokens.length; i++) {
    const name = tokens[i]!;
    const type = Object.hasOwn(ADD_SERVER_GRAMMAR, name) ? ADD_SERVER_GRAMMAR[name]! : undefined;
    if (type === undefined) return `keyword ${shown(name)} is not allowed in "add server"`;
    if (type === 'flag') continue;
    const value = tokens[++i];
    if (value === undefined) return `keyword "${name}" has no value`;
    const bad = checkArg(type, value);
    if (bad) return `keyword "${name}": ${bad}`;
  }
  return null;
}

const SET_SERVER: Record<string, (rest: readonly string[]) => string | null> = {
  addr: ([host, kw, port, ...more]) => {
    if (host === undefined || !isIp(host)) return `${shown(host ?? '')} is not an IP literal`;
    if (kw === undefined) return null;
    if (kw !== 'port' || port === undefined || more.length > 0) return 'expected "addr <ip> [port <port>]"';
    return checkArg('port', port);
  },
  weight: ([w, ...more]) => (w === undefined || more.length > 0 ? 'expected "weight <0-256>"' : checkArg('weight', w)),
  state: ([s, ...more]) => (s === undefined || more.length > 0 ? 'expected "state ready|drain|maint"' : checkArg(['ready', 'drain', 'maint'], s)),
};

/**
 * Checks one command line against the grammar of what the supervisor sends:
 * `add server`, `del server`, `set server ... addr|weight|state`, `enable|disable
 * server|health|agent`. Returns null when the line may be sent, else the reason.
 */
export function checkCommand(line: string): string | null {
  if (line.length > MAX_LINE) return `command longer than ${MAX_LINE} characters`;
  const tokens = line.split(' ');
  const bad = tokens.find((t) => !SAFE_TOKEN.test(t));
  if (bad !== undefined) return `${shown(bad)} holds a character the runtime API must not receive (or an empty token)`;
  const [verb, object, target, ...rest] = tokens;
  const head = `${verb} ${object}`;
  const path = checkServerPath(target);
  if (head === 'add server') return path ?? checkAddress(rest[0]) ?? checkServerKeywords(rest.slice(1));
  if (head === 'del server') return path ?? (rest.length ? 'unexpected arguments after "del server be/s"' : null);
  if (head === 'set server') {
    const sub = rest[0] !== undefined && Object.hasOwn(SET_SERVER, rest[0]) ? SET_SERVER[rest[0]]! : undefined;
    return path ?? (sub ? sub(rest.slice(1)) : `"set server" ${shown(rest[0] ?? '')} is not addr, weight or state`);
  }
  if ((verb === 'enable' || verb === 'disable') && ['server', 'health', 'agent'].includes(object ?? '')) {
    return path ?? (rest.length ? `unexpected arguments after "${head} be/s"` : null);
  }
  return `${shown(head)} is not a command the supervisor sends`;
}
