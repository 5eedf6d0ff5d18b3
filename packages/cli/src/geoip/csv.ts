import { cliError } from '../error-codes.js';

/** One data row of a CSV file with its 1-based line number (for error messages). */
export interface CsvRow {
  line: number;
  fields: string[];
}

/**
 * A CSV file's text as rows, one at a time (GeoIP files have half a million):
 * RFC 4180 quoting ("a,b", "" for a quote), no line breaks inside fields, blank lines skipped.
 */
export function* csvRows(text: string, file: string): Generator<CsvRow> {
  let line = 0;
  for (let at = 0; at < text.length; ) {
    const newline = text.indexOf('\n', at);
    const end = newline < 0 ? text.length : newline;
    const raw = text.slice(at, text[end - 1] === '\r' ? end - 1 : end);
    at = end + 1;
    line++;
    if (raw === '') continue;
    yield { line, fields: raw.includes('"') ? csvFields(raw, file, line) : raw.split(',') };
  }
}

function csvFields(line: string, file: string, lineNo: number): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let value = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        const quote = line.indexOf('"', i);
        if (quote < 0) throw cliError('GEOIP_CSV_SYNTAX', `${file}:${lineNo}: unterminated quoted field`, { context: { file, line: lineNo } });
        value += line.slice(i, quote);
        i = quote + 1;
        if (line[i] !== '"') break;
        value += '"';
        i++;
      }
      if (i < line.length && line[i] !== ',') throw cliError('GEOIP_CSV_SYNTAX', `${file}:${lineNo}: text after a closing quote`, { context: { file, line: lineNo } });
    } else {
      const comma = line.indexOf(',', i);
      value = line.slice(i, comma < 0 ? line.length : comma);
      i = comma < 0 ? line.length : comma;
    }
    fields.push(value);
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

/** The index of each named column in a header row; fails naming the missing ones. */
export function columns<K extends string>(header: CsvRow | undefined, names: readonly K[], file: string): Record<K, number> {
  const at = Object.fromEntries(names.map((n) => [n, header ? header.fields.indexOf(n) : -1])) as Record<K, number>;
  const missing = names.filter((n) => at[n] < 0);
  if (missing.length) {
    throw cliError('GEOIP_CSV_HEADER', `${file}: header lacks column(s) ${missing.join(', ')} (is this the right file?)`, {
      context: { file, missing, header: header?.fields.slice(0, 10) },
    });
  }
  return at;
}
