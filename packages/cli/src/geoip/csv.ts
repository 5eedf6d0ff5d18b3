import { PipelineError } from '@api-server/core';

/** One data row of a CSV file with its 1-based line number (for error messages). */
export interface CsvRow {
  line: number;
  fields: string[];
}

/** A CSV file's text as rows: RFC 4180 quoting ("a,b", "" for a quote), no line breaks inside fields, blank lines skipped. */
export function csvRows(text: string, file: string): CsvRow[] {
  const rows: CsvRow[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    if (raw === '') continue;
    rows.push({ line: i + 1, fields: csvFields(raw, file, i + 1) });
  }
  return rows;
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
        if (quote < 0) throw new PipelineError('GEOIP_CSV_SYNTAX', `${file}:${lineNo}: unterminated quoted field`, { context: { file, line: lineNo } });
        value += line.slice(i, quote);
        i = quote + 1;
        if (line[i] !== '"') break;
        value += '"';
        i++;
      }
      if (i < line.length && line[i] !== ',') throw new PipelineError('GEOIP_CSV_SYNTAX', `${file}:${lineNo}: text after a closing quote`, { context: { file, line: lineNo } });
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
    throw new PipelineError('GEOIP_CSV_HEADER', `${file}: header lacks column(s) ${missing.join(', ')} (is this the right file?)`, {
      context: { file, missing, header: header?.fields.slice(0, 10) },
    });
  }
  return at;
}
