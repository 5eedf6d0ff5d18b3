/**
 * Parser for the CSV that `show stat` (and the stats page's `;csv`) returns. Columns
 * are looked up by the header's names, not by position, so fields HAProxy adds in a
 * later version do not shift anything.
 */

/** HAProxy's `type` column. */
export const ProxyType = { frontend: 0, backend: 1, server: 2, listener: 3 } as const;

/** One CSV table: column names from the header, then raw rows. */
export interface StatTable {
  columns: Map<string, number>;
  rows: string[][];
  /** Lines that were not a valid row (short, bad quoting): counted, skipped. */
  failures: number;
}

/** Minimum fields a row needs: up to `type` (index 32), as haproxy_exporter requires. */
const MIN_FIELDS = 33;

/**
 * Parses `show stat` output. The header is the first line starting with `# `;
 * a body without one is an error (HAProxy answered something else, e.g. during a
 * reload it may close the socket early).
 */
export function parseStatCsv(text: string): StatTable {
  const lines = text.split('\n');
  let columns: Map<string, number> | undefined;
  const rows: string[][] = [];
  let failures = 0;
  for (const raw of lines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') continue;
    if (line.startsWith('#')) {
      if (!columns) columns = headerColumns(line);
      continue;
    }
    const fields = splitCsvLine(line);
    if (!fields || fields.length < MIN_FIELDS) {
      failures++;
      continue;
    }
    rows.push(fields);
  }
  if (!columns) throw new Error('no "# pxname,svname,..." header in show stat output');
  return { columns, rows, failures };
}

function headerColumns(line: string): Map<string, number> {
  const names = line.replace(/^#\s*/, '').split(',');
  const columns = new Map<string, number>();
  names.forEach((name, i) => {
    if (name !== '' && !columns.has(name)) columns.set(name, i);
  });
  return columns;
}

/**
 * Splits one CSV line. HAProxy quotes a field only when it holds a comma or a quote
 * (check descriptions, server addresses); most lines take the fast path.
 * Returns undefined for an unterminated quote.
 */
export function splitCsvLine(line: string): string[] | undefined {
  if (!line.includes('"')) {
    const fields = line.split(',');
    // The trailing comma HAProxy writes ends the last field, it is not an empty one.
    if (line.endsWith(',')) fields.pop();
    return fields;
  }
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q === -1) return undefined;
        value += line.slice(j, q);
        if (line[q + 1] !== '"') {
          j = q + 1;
          break;
        }
        value += '"';
        j = q + 2;
      }
      fields.push(value);
      i = j;
    } else {
      const comma = line.indexOf(',', i);
      const end = comma === -1 ? line.length : comma;
      fields.push(line.slice(i, end));
      i = end;
    }
    if (i >= line.length) break;
    if (line[i] !== ',') return undefined;
    i++;
    if (i === line.length) break;
  }
  return fields;
}

/** `show info` output (`Name: value` lines) as a map. */
export function parseInfo(text: string): Map<string, string> {
  const info = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    info.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return info;
}
