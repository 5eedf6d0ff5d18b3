import { isIP } from 'node:net';

/**
 * Shape checks for values that come from Consul (or a catalog fixture), applied in the
 * sources' normalize step before any template sees them. Consul accepts CR/LF and
 * anything else in addresses, tags, meta, IDs and KV values; HAProxy accepts a
 * `global` or `program` section in any file. A value that could end a config line is
 * therefore refused, never escaped: there is no escaping that every template context
 * (a server line, a map file, an ACL) would read the same way. The same holds for a
 * value that would split into several words or change how a line is tokenized.
 *
 * Every check answers a reason (for the state file and the log) or undefined. Pure.
 */

/** Length caps, in UTF-16 code units (characters for ASCII). */
const LIMITS = {
  /** Any text value: tag, meta key or value, KV value, ID, name. */
  textChars: 4096,
  /** DNS names (RFC 1123: 253 characters, labels of at most 63). */
  hostnameChars: 253,
  /** Tags on one instance or one catalog service. */
  tags: 256,
  /** Meta pairs on one instance (Consul itself allows 64). */
  metaPairs: 128,
} as const;

/**
 * C0 controls (CR, LF, NUL, TAB...), DEL, C1 controls, and the Unicode line and
 * paragraph separators: anything some reader could take as the end of a line.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * Characters that end or reshape an HAProxy config word: whitespace splits a value into
 * several keywords (`weight 1 backup`, `ssl ca-file /etc/passwd`), `#` comments out the
 * rest of the line (a trailing `if` condition), quotes and `\` change tokenizing, `$`
 * expands environment variables inside quotes, `;` separates runtime-API commands,
 * `%` starts a sample expression in log-format arguments (`%[req.hdr(x)]`), `{ }` open
 * and close anonymous ACLs, and a backquote is refused for good measure. A template
 * splices Consul values into lines as single words (`server {{id}} {{address}}:{{port}}
 * weight {{meta.weight}}`), so a value holding any of these is refused at the source:
 * a naively written template stays safe.
 */
const WORD_BREAKING = /[\s#"'\\;$%`{}\u0085\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\ufeff]/;

/**
 * Why `value` is not acceptable text, or undefined: a string of at most `maxChars`
 * without control characters and without characters that break an HAProxy config word.
 */
export function textProblem(value: unknown, maxChars: number = LIMITS.textChars): string | undefined {
  if (typeof value !== 'string') return `not a string (${value === null ? 'null' : typeof value})`;
  const control = CONTROL.exec(value);
  if (control) return `control character U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} at offset ${control.index}`;
  if (value.length > maxChars) return `longer than ${maxChars} characters (${value.length})`;
  const breaking = WORD_BREAKING.exec(value);
  if (breaking) {
    const c = breaking[0];
    const shown = /\s/.test(c) ? `whitespace U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` : `"${c}"`;
    return `${shown} at offset ${breaking.index}: Consul values are spliced into HAProxy config as single words`;
  }
  return undefined;
}

const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/**
 * Why `value` is not an address a server line can take, or undefined: an IPv4 or IPv6
 * literal (no zone id), or an RFC 1123 host name (labels of letters, digits and
 * hyphens; a final dot allowed). All-numeric dotted names must be valid IPv4, so
 * `1.2.3.999` is refused instead of failing name resolution in `haproxy -c`.
 */
export function addressProblem(value: unknown): string | undefined {
  const text = textProblem(value, LIMITS.hostnameChars + 1);
  if (text) return text;
  const address = value as string;
  if (address === '') return 'empty (neither the service nor its node has an address)';
  if (address.includes('%')) return 'IPv6 zone ids are not accepted';
  if (isIP(address) !== 0) return undefined;
  const name = address.endsWith('.') ? address.slice(0, -1) : address;
  if (name.length > LIMITS.hostnameChars) return `host name longer than ${LIMITS.hostnameChars} characters`;
  const labels = name.split('.');
  if (!labels.every((l) => LABEL.test(l))) return 'neither an IP address nor a host name (RFC 1123: letters, digits, hyphens, dots)';
  if (labels.every((l) => /^\d+$/.test(l))) return 'looks like an IPv4 address but is not a valid one';
  return undefined;
}

/** Why `value` is not a TCP port (an integer 1-65535), or undefined. */
export function portProblem(value: unknown): string | undefined {
  if (typeof value !== 'number' || !Number.isInteger(value)) return `not an integer (${typeof value === 'number' ? value : typeof value})`;
  if (value < 1 || value > 65535) return `out of range 1-65535 (${value})`;
  return undefined;
}

/**
 * A value as it may appear in a log line or the state file: control characters and
 * non-ASCII escaped (`\n`, `\u2028`), cut at `max` characters. Never the raw value.
 */
export function escapeValue(value: unknown, max = 80): string {
  const text = typeof value === 'string' ? value : String(value);
  const cut = text.length > max ? text.slice(0, max) : text;
  const escaped = JSON.stringify(cut)
    .slice(1, -1)
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return text.length > max ? `${escaped}...(${text.length} chars)` : escaped;
}

/** One refused field: the field's name (`address`, `tags[2]`, `meta.weight`) and why. */
export interface FieldProblem {
  field: string;
  reason: string;
}

/** Problems of every text in a list, as `name[i]`. (Loops, not flatMap: this runs for every instance of every answer.) */
export function listProblems(name: string, value: unknown, maxItems: number = LIMITS.tags): FieldProblem[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return [{ field: name, reason: 'not a list' }];
  if (value.length > maxItems) return [{ field: name, reason: `more than ${maxItems} items (${value.length})` }];
  const out: FieldProblem[] = [];
  for (let i = 0; i < value.length; i++) {
    const reason = textProblem(value[i]);
    if (reason) out.push({ field: `${name}[${i}]`, reason });
  }
  return out;
}

/** Problems of every key and value of a string map, as `name.<key>` (the key escaped). */
export function mapProblems(name: string, value: unknown, maxPairs: number = LIMITS.metaPairs): FieldProblem[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'object' || Array.isArray(value)) return [{ field: name, reason: 'not an object' }];
  const keys = Object.keys(value);
  if (keys.length > maxPairs) return [{ field: name, reason: `more than ${maxPairs} pairs (${keys.length})` }];
  const out: FieldProblem[] = [];
  for (const key of keys) {
    const keyReason = textProblem(key, 128);
    if (keyReason) {
      out.push({ field: `${name} key ${escapeValue(key, 40)}`, reason: keyReason });
      continue;
    }
    const reason = textProblem((value as Record<string, unknown>)[key]);
    if (reason) out.push({ field: `${name}.${key}`, reason });
  }
  return out;
}

/** Problems of named scalar fields, each with its own check. */
export function fieldProblems(checks: Array<[field: string, value: unknown, check: (v: unknown) => string | undefined]>): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const [field, value, check] of checks) {
    const reason = check(value);
    if (reason) out.push({ field, reason });
  }
  return out;
}

/** `textProblem` with the default cap, as a check for `fieldProblems`. */
export const text = (v: unknown): string | undefined => textProblem(v);
