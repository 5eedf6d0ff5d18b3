import { csvRows } from './csv.js';
import { parseIp } from './ip-range.js';
import type { CountryRange } from './build-map.js';
import type { CsvFile } from './maxmind.js';
import { cliError } from '../error-codes.js';

const V4_MAPPED = 0xffff00000000n; // ::ffff:0:0/96

/**
 * An ip2location-style range file: `start,end,country[,...]` per line, no header,
 * start/end as decimal integers (IPv4, or IPv6 with IPv4 as ::ffff:a.b.c.d) or as
 * address text. Country "-" (unassigned) rows are counted as skipped.
 */
export function ip2locationRanges(file: CsvFile): { ranges: CountryRange[]; skipped: number } {
  const ranges: CountryRange[] = [];
  let skipped = 0;
  for (const row of csvRows(file.text, file.name)) {
    const [startText = '', endText = '', country = ''] = row.fields;
    const bad = (what: string) =>
      cliError('GEOIP_BAD_RANGE', `${file.name}:${row.line}: ${what}`, { context: { file: file.name, line: row.line } });
    const start = address(startText);
    const end = address(endText);
    if (!start || !end) throw bad(`expected "start,end,country" with addresses or integers, got "${row.fields.slice(0, 3).join(',').slice(0, 80)}"`);
    if (start.family !== end.family || start.value > end.value) throw bad('start and end are of different families or out of order');
    if (country === '-') {
      skipped++;
      continue;
    }
    ranges.push({ family: start.family, start: start.value, end: end.value, country, file: file.name, line: row.line });
  }
  return { ranges, skipped };
}

function address(text: string): { family: 4 | 6; value: bigint } | undefined {
  if (!/^\d{1,39}$/.test(text)) return parseIp(text);
  const value = BigInt(text);
  if (value <= 0xffffffffn) return { family: 4, value };
  if (value >> 32n === V4_MAPPED >> 32n) return { family: 4, value: value & 0xffffffffn };
  return value < 1n << 128n ? { family: 6, value } : undefined;
}
