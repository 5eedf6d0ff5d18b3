import type { VersionFile } from '@api-server/core';

/** A `server` line of a backend or listen section, split into name, address and keywords. */
export interface ServerLine {
  file: string;
  line: number;
  name: string;
  /** The address token as written (`10.0.0.1:8080`, `[::1]:80`, `web.local:80`). */
  address: string;
  /** Every token after the address. */
  args: string[];
}

/** One section of an HAProxy configuration: its header and its lines, comments and blanks dropped. */
export interface Section {
  file: string;
  line: number;
  /** `backend`, `frontend`, `defaults`, ... */
  kind: string;
  /** The rest of the header (`app`, `app from base`, '' for an anonymous defaults). */
  name: string;
  /** Every normalized line but the runtime-eligible `server` lines. */
  body: string[];
  /** `server` lines of a backend or listen section (empty for other kinds). */
  servers: ServerLine[];
}

/** Keywords that open a section in HAProxy 2.6. */
const SECTION_KINDS = new Set([
  'global', 'defaults', 'frontend', 'backend', 'listen', 'peers', 'resolvers', 'userlist', 'ring', 'mailers',
  'program', 'http-errors', 'cache', 'fcgi-app', 'log-forward',
]);

/**
 * Splits the configuration files HAProxy loads (`*.cfg` at the top of the version,
 * in lexical order, as `-f <dir>` reads them) into sections. Lines are normalized
 * (comments, blank lines and indentation dropped; inner whitespace collapsed), so two
 * versions that differ only in comments or layout compare equal.
 *
 * `server` lines of backend and listen sections are kept apart: they are what the
 * runtime API can change. A file that uses conditional blocks (`.if`) or a server
 * line with quotes, escapes or `${VAR}` keeps its server lines in the body: what they
 * mean then depends on more than the line itself.
 */
export function parseSections(files: readonly VersionFile[]): Section[] {
  const sections: Section[] = [];
  for (const file of configFiles(files)) {
    const text = Buffer.from(file.data).toString('utf8');
    const conditional = /^\s*\.if\b/m.test(text);
    let current: Section | null = null;
    text.split('\n').forEach((raw, i) => {
      const line = normalize(raw);
      if (!line) return;
      const keyword = line.split(' ', 1)[0]!;
      if (SECTION_KINDS.has(keyword)) {
        current = { file: file.path, line: i + 1, kind: keyword, name: line.slice(keyword.length).trim(), body: [], servers: [] };
        sections.push(current);
        return;
      }
      // Lines before any section header: keep them in a pseudo-section, they still count.
      current ??= pushed(sections, { file: file.path, line: i + 1, kind: '', name: '', body: [], servers: [] });
      const server = keyword === 'server' && !conditional && (current.kind === 'backend' || current.kind === 'listen') ? parseServerLine(line, file.path, i + 1) : null;
      if (server) current.servers.push(server);
      else current.body.push(line);
    });
  }
  return sections;
}

/** The files `haproxy -f <dir>` loads, in the order it loads them. */
export function configFiles(files: readonly VersionFile[]): VersionFile[] {
  return files.filter((f) => !f.path.includes('/') && f.path.endsWith('.cfg')).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** `server <name> <address> [keywords...]`, or null when the line is not that simple. */
export function parseServerLine(line: string, file: string, lineNo: number): ServerLine | null {
  if (/["'\\]|\$\{/.test(line)) return null;
  const [kw, name, address, ...args] = line.split(' ');
  if (kw !== 'server' || !name || !address) return null;
  return { file, line: lineNo, name, address, args };
}

/**
 * Drops the comment, trims, collapses whitespace outside quotes. A `#` starts a
 * comment when it is not quoted, not escaped and starts a word (HAProxy's rule).
 */
export function normalize(raw: string): string {
  // Most lines have nothing to scan for: 10,000 server lines per version.
  if (!/[#"'\\]/.test(raw)) return raw.trim().replace(/\s+/g, ' ');
  let out = '';
  let quote = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\') {
      out += c + (raw[i + 1] ?? '');
      i++;
    } else if (quote) {
      out += c;
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      out += c;
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(raw[i - 1]!))) {
      break;
    } else {
      out += /\s/.test(c) ? (out.endsWith(' ') ? '' : ' ') : c;
    }
  }
  return out.trim();
}

function pushed<T>(list: T[], item: T): T {
  list.push(item);
  return item;
}
