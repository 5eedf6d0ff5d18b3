import { parseAddress } from '../binds.js';
import { GLOBAL_FILE, sortsBeforeGlobal } from '../global-section.js';
import { configFiles, parseConfigText, type ConfigLine, type Section } from '../sections.js';
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
  const rules = policy.rules.map((rule) => ({ rule, globs: rule.files.map(globToRegExp) }));
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
    for (const section of parseConfigText(file.path, Buffer.from(file.data).toString('utf8'))) out.push(...checkSection(policy, match.rule, section));
  }
  return out;
}

function checkSection(policy: Policy, rule: PolicyRule, section: Section): PolicyViolation[] {
  const out: PolicyViolation[] = [];
  const ruleName = `files: ${rule.files.join(', ')}`;
  const at = (l: { line: number; column: number }, code: PolicyCode, directive: string, ruleText: string, message: string): void =>
    void out.push({ code, file: section.file, line: l.line, column: l.column, directive, rule: ruleText, message });
  if (section.kind && !rule.sections.includes(section.kind)) {
    at(section, 'POLICY_SECTION', section.kind, `${ruleName} / sections`, `a "${section.kind}" section is not allowed in ${section.file} (allowed: ${rule.sections.join(', ') || 'none'})`);
    return out; // its lines would only repeat the finding
  }
  const forbidden = [
    ...[...(policy.forbid['*'] ?? []), ...(policy.forbid[section.kind] ?? [])].map((p) => ({ p, from: `forbid ${policy.forbid['*']?.includes(p) ? '*' : section.kind}` })),
    ...[...(rule.forbid['*'] ?? []), ...(rule.forbid[section.kind] ?? [])].map((p) => ({ p, from: `${ruleName} / forbid` })),
  ];
  const only = rule.only[section.kind];
  for (const line of section.lines) {
    const hit = forbidden.find((f) => matchesDirective(f.p, line.words));
    if (hit) {
      at(line, 'POLICY_DIRECTIVE', directiveOf(hit.p, line.words), hit.from, `"${directiveOf(hit.p, line.words)}" is not allowed in ${section.file} (policy: ${hit.from})`);
      continue;
    }
    if (only && line.words[0] && !only.some((p) => matchesDirective(p, line.words))) {
      at(line, 'POLICY_DIRECTIVE', line.words[0], `${ruleName} / only ${section.kind}`, `"${line.words[0]}" is not allowed in a ${section.kind} section of ${section.file} (only: ${only.join(', ')})`);
      continue;
    }
    if (!rule.envVars && expandsEnv(line.text)) {
      at(line, 'POLICY_ENV', line.words[0] ?? '', `${ruleName} / envVars`, `environment variables may not be read in ${section.file} (they hold the node's secrets)`);
      continue;
    }
    const path = rule.externalFiles ? undefined : externalPath(line.words);
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
export function matchesDirective(pattern: string, words: readonly string[]): boolean {
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
function externalPath(words: readonly string[]): string | undefined {
  const candidates: string[] = [];
  words.forEach((w, i) => {
    if (FILE_ARGS.has(w) && words[i + 1] !== undefined) candidates.push(words[i + 1]!);
    for (const m of w.matchAll(/\bmap(?:_[a-z_]+)?\(([^,)]+)/g)) candidates.push(m[1]!);
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
