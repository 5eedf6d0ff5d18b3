/**
 * What `apictl validate` reports: one finding per problem, with the repository file,
 * line and column when known, so CI systems can annotate the pull request.
 */
export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  /** A fixed code to grep and to silence by (`TEMPLATE_PARSE`, `HAPROXY_CONFIG`, `LINT_DUPLICATE_PROXY`...). */
  code: string;
  /** Repository-relative path (a template, or a rendered file when no template line is known). */
  file: string;
  /** 1-based. */
  line?: number;
  /** 1-based. */
  column?: number;
  message: string;
  /** The offending source line, shown under the message. */
  excerpt?: string;
  /** Where else this came from (the rendered file and line, the partial's caller). */
  note?: string;
}

export type OutputFormat = 'text' | 'json' | 'github';

export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'json', 'github'];

/** Stable order: file, then line, then column, errors before warnings on the same spot. */
function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  return [...list].sort(
    (a, b) =>
      cmp(a.file, b.file) ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0) ||
      cmp(a.severity, b.severity) ||
      cmp(a.message, b.message),
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function position(d: Diagnostic): string {
  return `${d.file}${d.line === undefined ? '' : `:${d.line}${d.column === undefined ? '' : `:${d.column}`}`}`;
}

/**
 * gcc style, which GitLab, Jenkins warnings-ng and editors parse:
 * `file:line:col: error: message [CODE]`, then the source line and a caret.
 */
export function formatText(list: readonly Diagnostic[]): string {
  const out: string[] = [];
  for (const d of sortDiagnostics(list)) {
    out.push(`${position(d)}: ${d.severity}: ${d.message} [${d.code}]`);
    if (d.excerpt !== undefined) {
      out.push(`    ${d.excerpt}`);
      if (d.column !== undefined) out.push(`    ${caretLine(d.excerpt, d.column)}`);
    }
    if (d.note) out.push(`    note: ${d.note}`);
  }
  return out.join('\n');
}

/** A caret under column `column` (1-based), keeping tabs so it lines up. */
export function caretLine(excerpt: string, column: number): string {
  const before = excerpt.slice(0, Math.max(0, column - 1)).replace(/[^\t]/g, ' ');
  return `${before}^`;
}

/** GitHub Actions workflow commands: annotations on the pull request's diff. */
export function formatGithub(list: readonly Diagnostic[]): string {
  return sortDiagnostics(list)
    .map((d) => {
      const props = [`file=${escapeProperty(d.file)}`];
      if (d.line !== undefined) props.push(`line=${d.line}`);
      if (d.column !== undefined) props.push(`col=${d.column}`);
      props.push(`title=${escapeProperty(d.code)}`);
      const text = d.note ? `${d.message} (${d.note})` : d.message;
      return `::${d.severity} ${props.join(',')}::${escapeData(text)}`;
    })
    .join('\n');
}

// https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts
function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function formatJson(list: readonly Diagnostic[], extra: Record<string, unknown> = {}): string {
  const sorted = sortDiagnostics(list);
  return JSON.stringify(
    {
      ok: !sorted.some((d) => d.severity === 'error'),
      errors: sorted.filter((d) => d.severity === 'error').length,
      warnings: sorted.filter((d) => d.severity === 'warning').length,
      ...extra,
      diagnostics: sorted,
    },
    null,
    2,
  );
}

export function formatDiagnostics(list: readonly Diagnostic[], format: OutputFormat, extra: Record<string, unknown> = {}): string {
  if (format === 'json') return formatJson(list, extra);
  if (format === 'github') return formatGithub(list);
  return formatText(list);
}

export function hasErrors(list: readonly Diagnostic[]): boolean {
  return list.some((d) => d.severity === 'error');
}

/** Line `line` (1-based) of `text`, without its newline; undefined past the end. */
export function lineOf(text: string, line: number): string | undefined {
  if (line < 1) return undefined;
  return text.split('\n')[line - 1]?.replace(/\r$/, '');
}

/**
 * Paths relative to where the command was run (`templates/50-web.cfg.hbs` for
 * `apictl validate templates`), which is what CI annotations resolve against.
 */
export function rebase(list: readonly Diagnostic[], dir: string): Diagnostic[] {
  const base = dir.replace(/\/+$/, '');
  if (base === '' || base === '.') return [...list];
  return list.map((d) => ({ ...d, file: d.file.startsWith('(') ? d.file : d.file === '.' ? base : `${base}/${d.file}` }));
}
