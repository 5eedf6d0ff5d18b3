import { parseAddress } from '../binds.js';
import { GLOBAL_FILE, sortsBeforeGlobal } from '../global-section.js';
import { configFiles, type ConfigLine, type Section } from '../sections.js';
import { fileSections, sectionSource } from '../parsed-files.js';
import { globToRegExp } from './glob.js';
import type { Policy, PolicyRule } from './schema.js';

/** What a violation broke. */
export type PolicyCode =
  | 'POLICY_INVALID'
  | 'POLICY_RESERVED_FILE'
  | 'POLICY_FILE_ORDER'
  | 'POLICY_NO_RULE'
  | 'POLICY_SECTION'
  | 'POLICY_DIRECTIVE'
  | 'POLICY_BIND_PORT'
  | 'POLICY_ENV'
  | 'POLICY_FILE_PATH';

/** One line (or file) a policy refuses. */
export interface PolicyViolation {
  code: PolicyCode;
  /** Rendered file name. */
  file: string;
  /** 1-based; null for a rule about the whole file (its name). */
  line: number | null;
  column: number | null;
  /** The directive or section header refused (`stats socket`, `global`), null for file-level rules. */
  directive: string | null;
  /** The policy rule that decided: `files: 50-*.cfg`, `forbid *`, `name`. */
  rule: string;
  message: string;
}

/**
 * Checks the rendered `*.cfg` files HAProxy would load against a policy. Pure: the
 * supervisor runs it before anything goes live (holding each violating file) and
 * `apictl validate` runs it in CI, so both give the same verdict on the same line.
 */
export function checkPolicy(policy: Policy, files: ReadonlyArray<{ path: string; data: Uint8Array }>): PolicyViolation[] {
  const out: PolicyViolation[] = [];
  // A rule's verdict depends on the policy-wide forbid list and the rule: that text keys the clean-section memo.
  const rules = policy.rules.map((rule) => ({ rule, globs: rule.files.map(globToRegExp), key: JSON.stringify([policy.forbid, rule]) }));
  const cache = new Map<string, PatternSet>();
  for (const file of configFiles(files)) {
    const fileLevel = (code: PolicyCode, message: string, rule = 'name'): void => void out.push({ code, file: file.path, line: null, column: null, directive: null, rule, message });
    if (file.path === GLOBAL_FILE) {
      fileLevel('POLICY_RESERVED_FILE', `${GLOBAL_FILE} is reserved for the supervisor's own global section; rename the template`);
      continue;
    }
    if (sortsBeforeGlobal([file.path]).length > 0) {
      fileLevel('POLICY_FILE_ORDER', `${file.path} would be read before the supervisor's global section (${GLOBAL_FILE}), so its "log global" would log nowhere; name config files NN-name.cfg`);
      continue;
    }
    const match = rules.find((r) => r.globs.some((g) => g.test(file.path)));
    if (!match) {
      fileLevel('POLICY_NO_RULE', `no rule of the policy covers ${file.path}; add its name to a rule's files`, 'rules');
      continue;
    }
    for (const section of fileSections(file)) {
      const source = sectionSource(section);
      if (source && cleanUnder.get(source)?.has(match.key)) continue;
      const found = checkSection(policy, match.rule, section, cache);
      if (found.length > 0) out.push(...found);
      else if (source) cleanUnder.set(source, (cleanUnder.get(source) ?? new Set()).add(match.key));
    }
  }
  return out;
}

/**
 * Section texts (parsed-files' sources) that passed a rule, by the rule's key: a server
 * flip re-checks only the section it changed. Only clean verdicts are kept: a violation
 * is reported with its current line, so it is found again.
 */
const cleanUnder = new WeakMap<object, Set<string>>();

interface Entry {
  pattern: string;
  from: string;
  /** 0: the policy-wide `forbid`, 1: the rule's. */
  rank: number;
}

/** Directive patterns compiled once per check, indexed by their first word when it is literal. */
class PatternSet {
  private readonly byWord = new Map<string, Entry[]>();
  private readonly globbed: Entry[] = [];

  constructor(entries: readonly Entry[]) {
    for (const e of entries) {
      const first = e.pattern.split(' ', 1)[0]!;
      if (/[*?[]/.test(first)) this.globbed.push(e);
      else this.byWord.set(first, [...(this.byWord.get(first) ?? []), e]);
    }
  }

  /** The matching entry, the policy-wide `forbid` first. Hot: one call per config line. */
  match(words: readonly string[]): Entry | undefined {
    let best: Entry | undefined;
    for (const list of [this.byWord.get(words[0] ?? ''), this.globbed]) {
      if (!list) continue;
      for (const e of list) {
        if (!matchesDirective(e.pattern, words)) continue;
        if (e.rank === 0) return e;
        best ??= e;
      }
    }
    return best;
  }
}

function checkSection(policy: Policy, rule: PolicyRule, section: Section, cache: Map<string, PatternSet>): PolicyViolation[] {
  const out: PolicyViolation[] = [];
  const ruleName = `files: ${rule.files.join(', ')}`;
  const at = (l: { line: number; column: number }, code: PolicyCode, directive: string, ruleText: string, message: string): void =>
    void out.push({ code, file: section.file, line: l.line, column: l.column, directive, rule: ruleText, message });
  if (section.kind && !rule.sections.includes(section.kind)) {
    at(section, 'POLICY_SECTION', section.kind, `${ruleName} / sections`, `a "${section.kind}" section is not allowed in ${section.file} (allowed: ${rule.sections.join(', ') || 'none'})`);
    return out; // its lines would only repeat the finding
  }
  const key = `${policy.rules.indexOf(rule)}\0${section.kind}`;
  let forbidden = cache.get(key);
  if (!forbidden) {
    const everywhere = policy.forbid['*'] ?? [];
    forbidden = new PatternSet([
      ...everywhere.map((p) => ({ pattern: p, from: 'forbid *', rank: 0 })),
      ...(policy.forbid[section.kind] ?? []).filter((p) => !everywhere.includes(p)).map((p) => ({ pattern: p, from: `forbid ${section.kind}`, rank: 0 })),
      ...[...(rule.forbid['*'] ?? []), ...(rule.forbid[section.kind] ?? [])].map((p) => ({ pattern: p, from: `${ruleName} / forbid`, rank: 1 })),
    ]);
    cache.set(key, forbidden);
  }
  const only = rule.only[section.kind];
  for (const line of section.lines) {
    const hit = forbidden.match(line.words);
    if (hit) {
      const directive = directiveOf(hit.pattern, line.words);
      at(line, 'POLICY_DIRECTIVE', directive, hit.from, `"${directive}" is not allowed in ${section.file} (policy: ${hit.from})`);
      continue;
    }
    if (only && line.words[0] && !only.some((p) => matchesDirective(p, line.words))) {
      at(line, 'POLICY_DIRECTIVE', line.words[0], `${ruleName} / only ${section.kind}`, `"${line.words[0]}" is not allowed in a ${section.kind} section of ${section.file} (only: ${only.join(', ')})`);
      continue;
    }
    if (!rule.envVars && line.text.includes('$') && expandsEnv(line.text)) {
      at(line, 'POLICY_ENV', line.words[0] ?? '', `${ruleName} / envVars`, `environment variables may not be read in ${section.file} (they hold the node's secrets)`);
      continue;
    }
    const path = rule.externalFiles ? undefined : externalPath(line.words, line.text);
    if (path !== undefined) {
      at(line, 'POLICY_FILE_PATH', line.words[0] ?? '', `${ruleName} / externalFiles`, `"${path}" is outside the release; reference files by a path inside the templates (maps/x.map)`);
      continue;
    }
    const port = rule.bindPorts && line.words[0] === 'bind' ? refusedBind(rule.bindPorts, line) : undefined;
    if (port !== undefined) at(line, 'POLICY_BIND_PORT', 'bind', `${ruleName} / bindPorts`, `bind ${port} is not allowed in ${section.file} (bindPorts: ${rule.bindPorts!.join(', ')})`);
  }
  return out;
}

const compiled = new Map<string, RegExp[]>();

/** Whether a line's first words match a directive pattern word by word (`stats socket`, `lua-*`). */
function matchesDirective(pattern: string, words: readonly string[]): boolean {
  let globs = compiled.get(pattern);
  if (!globs) compiled.set(pattern, (globs = pattern.split(' ').map(globToRegExp)));
  return globs.length <= words.length && globs.every((g, i) => g.test(words[i]!));
}

function directiveOf(pattern: string, words: readonly string[]): string {
  return words.slice(0, pattern.split(' ').length).join(' ');
}

/** HAProxy expands `$NAME` and `${NAME}` inside double quotes (configuration manual 2.3). */
function expandsEnv(text: string): boolean {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') i++;
    else if (c === '#' && !quoted && (i === 0 || /\s/.test(text[i - 1]!))) return false;
    else if (c === "'" && !quoted) i = skipTo(text, i + 1, "'");
    else if (c === '"') quoted = !quoted;
    else if (c === '$' && quoted && /[{A-Za-z_]/.test(text[i + 1] ?? '')) return true;
  }
  return false;
}

function skipTo(text: string, from: number, ch: string): number {
  const at = text.indexOf(ch, from);
  return at < 0 ? text.length : at;
}

/** Keywords whose next word is a file HAProxy reads (at parse time, usually as root). */
const FILE_ARGS = new Set(['-f', 'file', 'lf-file', 'crt', 'crt-list', 'ca-file', 'crl-file', 'ca-verify-file', 'server-state-file-name', 'config']);

/** The first file path on the line that leaves the release (absolute, `~`, `..`), if any. */
function externalPath(words: readonly string[], text: string): string | undefined {
  const candidates: string[] = [];
  const maps = text.includes('map');
  words.forEach((w, i) => {
    if (FILE_ARGS.has(w) && words[i + 1] !== undefined) candidates.push(words[i + 1]!);
    if (maps) for (const m of w.matchAll(/\bmap(?:_[a-z_]+)?\(([^,)]+)/g)) candidates.push(m[1]!);
  });
  if (words[0] === 'errorfile' && words[2] !== undefined) candidates.push(words[2]);
  return candidates.find((p) => p.startsWith('/') || p.startsWith('~') || p.split('/').includes('..'));
}

/** The first address of a bind line whose port the rule does not allow (or that cannot be read). */
function refusedBind(allowed: ReadonlyArray<number | string>, line: ConfigLine): string | undefined {
  const ok = (port: number) => allowed.some((a) => (typeof a === 'number' ? a === port : inRange(a, port)));
  for (const spec of (line.words[1] ?? '').split(',')) {
    const addr = parseAddress(spec);
    if (!addr || !ok(addr.port)) return spec;
  }
  return undefined;
}

function inRange(range: string, port: number): boolean {
  const [low, high] = range.split('-').map(Number) as [number, number];
  return port >= low && port <= high;
}
