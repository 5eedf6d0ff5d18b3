/**
 * Maps a line of a rendered file back to the template line that produced it, so an
 * `haproxy -c` error lands on the file an engineer edits. Handlebars keeps no source
 * map; this aligns the rendered lines with the template's literal text instead:
 * every template line becomes a pattern (`{{expr}}` matches anything), partials are
 * expanded in place, and rendered lines are matched in order (jumping back for loop
 * bodies). A line no pattern matches stays unmapped (the caller reports the rendered
 * file). Pure.
 */
export interface SourceLine {
  file: string;
  /** 1-based. */
  line: number;
  text: string;
}

interface Candidate extends SourceLine {
  pattern: RegExp;
}

const STANDALONE_TAG = /^\s*(\{\{~?[#/^!>][\s\S]*?~?\}\}|\{\{~?else[\s\S]*?~?\}\}|\{\{!--[\s\S]*?--\}\})\s*$/;
const PARTIAL_CALL = /^\s*\{\{~?>\s*([^\s}]+)/;

/** A whole-line pattern for one template line; null for a line that renders nothing by itself. */
export function linePattern(text: string): RegExp | null {
  if (STANDALONE_TAG.test(text)) return null;
  if (text.trim() === '') return null;
  let body = text.replace(/\s+$/, '');
  // An inline block ({{#if x}} weight {{x}}{{/if}}): its content is optional.
  body = body.replace(/\{\{~?[#^][\s\S]*\{\{~?\/[^}]*\}\}/g, '\u0000');
  body = body.replace(/\{\{\{?[\s\S]*?\}?\}\}/g, '\u0000');
  if (!/[^\u0000\s]/.test(body)) return null; // only expressions: would match anything
  const source = body
    .split('\u0000')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*?');
  return new RegExp(`^${source}\\s*$`);
}

function candidates(file: string, text: string, partials: ReadonlyMap<string, string>, depth: number): Candidate[] {
  const out: Candidate[] = [];
  text.split('\n').forEach((raw, i) => {
    const partial = PARTIAL_CALL.exec(raw)?.[1];
    if (partial && depth < 3) {
      const body = partials.get(partial);
      if (body !== undefined) out.push(...candidates(`partials/${partial}.hbs`, body, partials, depth + 1));
      return;
    }
    const pattern = linePattern(raw);
    if (pattern) out.push({ file, line: i + 1, text: raw.replace(/\r$/, ''), pattern });
  });
  return out;
}

/**
 * Builds the mapping for one template. `partials` maps a partial name (`servers`) to
 * its source. Returns, for each rendered line (index 0 = line 1), its source line.
 */
export function mapRenderedLines(template: { file: string; text: string }, rendered: string, partials: ReadonlyMap<string, string> = new Map()): Array<SourceLine | undefined> {
  const cands = candidates(template.file, template.text, partials, 0);
  const out: Array<SourceLine | undefined> = [];
  let next = 0;
  for (const raw of rendered.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') {
      out.push(undefined);
      continue;
    }
    // The same line again first (a one-line loop body), then forward, then back
    // (the start of a longer loop body), nearest first.
    let found = next > 0 && cands[next - 1]!.pattern.test(line) ? next - 1 : -1;
    for (let i = next; i < cands.length && found < 0; i++) if (cands[i]!.pattern.test(line)) found = i;
    for (let i = Math.min(next, cands.length) - 2; i >= 0 && found < 0; i--) if (cands[i]!.pattern.test(line)) found = i;
    if (found < 0) {
      out.push(undefined);
      continue;
    }
    const c = cands[found]!;
    out.push({ file: c.file, line: c.line, text: c.text });
    next = found + 1;
  }
  return out;
}
