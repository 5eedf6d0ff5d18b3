import { PipelineError } from '@api-server/core';
import { lineOf, type Diagnostic } from './diagnostics.js';

/**
 * A renderer error (a PipelineError whose context names template, line and maybe
 * column) as a diagnostic with the offending line shown. Handlebars parse errors
 * carry no column; it is recovered from the excerpt Handlebars prints. Pure.
 */
export function templateDiagnostic(err: PipelineError, sources: ReadonlyMap<string, string>): Diagnostic {
  const ctx = err.context as { template?: string; line?: number; column?: number; includedFrom?: string };
  const file = ctx.template ?? '(templates)';
  const source = sources.get(file);
  const line = ctx.line;
  const excerpt = line !== undefined && source !== undefined ? lineOf(source, line) : undefined;
  let column = typeof ctx.column === 'number' ? ctx.column + 1 : undefined;
  if (column === undefined && err.code === 'TEMPLATE_PARSE' && excerpt !== undefined) {
    column = parseErrorColumn(err.cause instanceof Error ? err.cause.message : '', excerpt);
  }
  // The renderer prefixes "<template>:<line>: "; the diagnostic carries those as fields.
  const message = tidyParseMessage(err.message.replace(new RegExp(`^${escape(file)}(:\\d+)?: `), ''));
  return {
    severity: 'error',
    code: err.code,
    file,
    ...(line !== undefined ? { line } : {}),
    ...(column !== undefined ? { column } : {}),
    message,
    ...(excerpt !== undefined ? { excerpt } : {}),
    ...(ctx.includedFrom ? { note: `in a partial included from ${ctx.includedFrom}` } : {}),
  };
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Handlebars' parse error shows up to 20 characters before the error, newlines
 * removed, then a caret: "Parse error on line 2:\n...text{{foo bar\n-----------^".
 * The part of that text on the error's line is a prefix of the line (or, when the
 * excerpt was cut, somewhere inside it); the caret column follows from it.
 */
export function parseErrorColumn(message: string, lineText: string): number | undefined {
  const lines = message.split('\n');
  const caretAt = lines.findIndex((l) => /^-*\^$/.test(l));
  if (caretAt < 1) return undefined;
  const snippet = lines[caretAt - 1]!;
  const caret = lines[caretAt]!.length - 1;
  const truncated = snippet.startsWith('...');
  const past = snippet.slice(truncated ? 3 : 0, caret);
  for (let j = 0; j <= past.length; j++) {
    const tail = past.slice(j);
    if (j === 0 && truncated) {
      const at = lineText.indexOf(tail);
      if (at >= 0 && tail.length > 0) return at + tail.length + 1;
      continue;
    }
    if (lineText.startsWith(tail)) return tail.length + 1;
  }
  return undefined;
}

/**
 * Handlebars' parse message repeats the excerpt (shown separately) and lists every
 * token the grammar allows; keep what was found and the first few expected.
 */
export function tidyParseMessage(message: string): string {
  const m = /^Parse error on line \d+: .*?Expecting (.*), got '([^']+)'$/.exec(message);
  if (!m) return message;
  const expected = m[1]!.split(', ').map((t) => t.replace(/'/g, ''));
  const shown = expected.slice(0, 4).join(', ') + (expected.length > 4 ? ', ...' : '');
  return `syntax error: unexpected ${m[2]} (expected ${shown})`;
}
