
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

/** One non-blank, non-comment line of a section, as written and as words. */
export interface ConfigLine {
  /** 1-based line in the file. */
  line: number;
  /** 1-based column of the first token. */
  column: number;
  /** Words as HAProxy splits them: quotes removed, escapes resolved, the comment dropped. */
  words: string[];
  /** The raw line (no trailing CR). */
  text: string;
}

/** One section of an HAProxy configuration: its header and its lines, comments and blanks dropped. */
export interface Section {
  file: string;
  line: number;
  /** 1-based column of the header's first token. */
  column: number;
  /** `backend`, `frontend`, `defaults`, ...; '' for lines before any section header. */
  kind: string;
  /** The rest of the header, normalized (`app`, `app from base`, '' for an anonymous defaults). */
  name: string;
  /** The raw header line. */
  text: string;
  /** Every line after the header, as words (server lines included): what lints and the policy read. */
  lines: ConfigLine[];
  /** Every normalized line but the runtime-eligible `server` lines: what reload planning compares. */
  body: string[];
  /** `server` lines of a backend or listen section (empty for other kinds). */
  servers: ServerLine[];
}

const SPECIAL = /[#"'\\]/;
const WHITESPACE = /\s+/g;

/** Keywords that open a section in HAProxy 2.6 (configuration manual, section 2 and 3-12). */
export const SECTION_KINDS: ReadonlySet<string> = new Set([
  'global', 'defaults', 'frontend', 'backend', 'listen', 'peers', 'resolvers', 'userlist', 'ring', 'mailers',
  'program', 'http-errors', 'cache', 'fcgi-app', 'log-forward',
]);

/**
 * The sections of one file. Lines are kept twice: as words (for lints and the policy)
 * and normalized (comments, blank lines and indentation dropped; inner whitespace
 * collapsed), so two versions that differ only in comments or layout compare equal.
 * Lines before any header form a pseudo-section of kind '': they still count.
 *
 * `server` lines of backend and listen sections are kept apart: they are what the
 * runtime API can change. A file that uses conditional blocks (`.if`) or a server
 * line with quotes, escapes or `${VAR}` keeps its server lines in the body: what they
 * mean then depends on more than the line itself. Pure.
 */
export function parseConfigText(file: string, text: string, conditional = hasConditionals(text)): Section[] {
  const sections: Section[] = [];
  let current: Section | null = null;
  text.split('\n').forEach((rawLine, i) => {
    const raw = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    const plain = !SPECIAL.test(raw);
    const line = plain ? raw.trim().replace(WHITESPACE, ' ') : normalize(raw);
    if (!line) return;
    const column = raw.length - raw.trimStart().length + 1;
    const keyword = line.split(' ', 1)[0]!;
    if (SECTION_KINDS.has(keyword)) {
      current = { file, line: i + 1, column, kind: keyword, name: line.slice(keyword.length).trim(), text: raw, lines: [], body: [], servers: [] };
      sections.push(current);
      return;
    }
    current ??= pushed(sections, { file, line: i + 1, column, kind: '', name: '', text: '', lines: [], body: [], servers: [] });
    // Most lines (10,000 server lines a version) have no quotes, escapes or comments: their words are the normalized line's.
    current.lines.push({ line: i + 1, column, words: plain ? line.split(' ') : configWords(raw), text: raw });
    const server = keyword === 'server' && !conditional && (current.kind === 'backend' || current.kind === 'listen') ? parseServerLine(line, file, i + 1) : null;
    if (server) current.servers.push(server);
    else current.body.push(line);
  });
  return sections;
}

/** Whether a file uses `.if` blocks: then its server lines stay in the body (see parseConfigText). */
export function hasConditionals(text: string): boolean {
  // The plain search first: most files have no `.if` at all, and it is ~10x the regex's speed.
  return text.includes('.if') && /^\s*\.if\b/m.test(text);
}

/** The files `haproxy -f <dir>` loads, in the order it loads them. */
export function configFiles<T extends { path: string }>(files: readonly T[]): T[] {
  return files.filter((f) => isConfigFile(f.path)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Whether `-f <dir>` loads this path: a `*.cfg` at the top of the directory. */
function isConfigFile(path: string): boolean {
  return !path.includes('/') && path.endsWith('.cfg');
}

/** `server <name> <address> [keywords...]`, or null when the line is not that simple. */
function parseServerLine(line: string, file: string, lineNo: number): ServerLine | null {
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

/** Splits a line into words, dropping a `#` comment (not inside quotes). */
export function configWords(text: string): string[] {
  // The common case (no quotes, escapes or comments) is a plain split.
  if (!/[#"'\\]/.test(text)) return text.trim() === '' ? [] : text.trim().split(/\s+/);
  const words: string[] = [];
  let current = '';
  let quote: string | undefined;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else current += ch;
      continue;
    }
    if (ch === '\\' && i + 1 < text.length) {
      current += text[++i];
      inWord = true;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === '#') {
      break;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

/** The proxy name of a section header (`backend app from base` -> `app`), '' for none. */
export function sectionName(section: Pick<Section, 'name'>): string {
  return section.name.split(' ')[0] ?? '';
}

/** The last value of a keyword in a section (`mode` -> "http"), or undefined. */
export function lastValue(section: Section, keyword: string): string | undefined {
  let value: string | undefined;
  for (const l of section.lines) if (l.words[0] === keyword) value = l.words[1];
  return value;
}

/** Whether `option <name>` is set (true), negated with `no option <name>` (false), or not mentioned (undefined). */
export function optionState(section: Section, name: string): boolean | undefined {
  let state: boolean | undefined;
  for (const l of section.lines) {
    if (l.words[0] === 'option' && l.words[1] === name) state = true;
    if (l.words[0] === 'no' && l.words[1] === 'option' && l.words[2] === name) state = false;
  }
  return state;
}

function pushed<T>(list: T[], item: T): T {
  list.push(item);
  return item;
}
