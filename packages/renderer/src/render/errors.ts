import { PipelineError } from '@api-server/core/base';
import { rendererError } from '../error-codes.js';

type Ast = hbs.AST.Program;

/**
 * Turns whatever Handlebars threw into a PipelineError that names the file and line.
 * Parse errors carry "Parse error on line N"; runtime exceptions carry `lineNumber`
 * (strict lookups, unknown helpers); a few plain errors (a missing partial) carry
 * nothing, so the line is found from the AST when the message names the thing.
 */
export function templateError(
  err: unknown,
  phase: 'parse' | 'render',
  where: { template: string; includedFrom?: string },
  ast?: Ast,
): PipelineError {
  if (err instanceof PipelineError) return err;
  const raw = err instanceof Error ? err.message : String(err);
  const line = errorLine(err, raw, ast);
  const column = (err as { column?: unknown }).column;
  const message = cleanMessage(raw);
  const code = phase === 'parse' ? 'TEMPLATE_PARSE' : 'TEMPLATE_RENDER';
  const prefix = line === undefined ? where.template : `${where.template}:${line}`;
  return rendererError(code, `${prefix}: ${message}`, {
    cause: err,
    context: { ...where, ...(line === undefined ? {} : { line }), ...(typeof column === 'number' ? { column } : {}) },
  });
}

/**
 * Handlebars reports a mistyped closing tag (`{{#each}}` ... `{{/eachh}}`) at the line of
 * the block it opens ("each doesn't match eachh - 2:3"), but the typo is on the closing
 * tag's line: that is where the author must look. Finds the first such closing tag after
 * the opening line in the source and names both. Pure.
 */
export function closeTagMismatch(message: string, source: string): { line: number; column: number; message: string } | undefined {
  const m = /^(\S+) doesn't match (\S+) - (\d+):(\d+)/.exec(message);
  if (!m) return undefined;
  const [, open, close, openLine] = m as unknown as [string, string, string, string];
  const lines = source.split('\n');
  const tag = new RegExp(`\\{\\{~?\\s*/\\s*${close.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*~?\\}\\}`);
  for (let i = Number(openLine) - 1; i < lines.length; i++) {
    const at = tag.exec(lines[i] ?? '');
    if (at) {
      return { line: i + 1, column: at.index, message: `closing tag {{/${close}}} does not match {{#${open}}} opened at line ${openLine}` };
    }
  }
  return undefined;
}

function errorLine(err: unknown, message: string, ast?: Ast): number | undefined {
  const parsed = /(?:Parse|Lexical) error on line (\d+)/.exec(message);
  if (parsed) return Number(parsed[1]);
  const lineNumber = (err as { lineNumber?: unknown }).lineNumber;
  if (typeof lineNumber === 'number') return lineNumber;
  const partial = /The partial (.+) could not be found/.exec(message);
  if (partial && ast) return findPartialLine(ast, partial[1] ?? '');
  return undefined;
}

/** Handlebars appends " - line:col" to runtime messages; we report the line as a field. */
function cleanMessage(message: string): string {
  return message.replace(/ - \d+:\d+$/, '').replace(/\s+/g, ' ').trim();
}

/** The line of the first `{{> name}}` in the AST (nested blocks included). */
function findPartialLine(ast: Ast, name: string): number | undefined {
  let found: number | undefined;
  const visit = (node: unknown): void => {
    if (found !== undefined || node === null || typeof node !== 'object') return;
    const n = node as { type?: string; name?: { original?: unknown }; loc?: { start: { line: number } } };
    if ((n.type === 'PartialStatement' || n.type === 'PartialBlockStatement') && n.name?.original === name) {
      found = n.loc?.start.line;
      return;
    }
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) value.forEach(visit);
      else if (value && typeof value === 'object' && 'type' in value) visit(value);
    }
  };
  visit(ast);
  return found;
}
