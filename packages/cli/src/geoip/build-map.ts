import { rangeToCidrs, type IpRange } from './ip-range.js';
import { cliError } from '../error-codes.js';

/** An address range and the ISO 3166 code of its country; `file` and `line` name it in errors. */
export interface CountryRange extends IpRange {
  country: string;
  file: string;
  line: number;
}

const where = (r: CountryRange) => `${r.file}:${r.line}`;

/** What a built map holds. */
export interface GeoMap {
  /** `<cidr> <CC>` lines, IPv4 first, each family in address order. */
  lines: string[];
  /** Input ranges, and CIDR lines written after joining neighbours of one country. */
  ranges: number;
  networks: number;
}

/**
 * The HAProxy `map_ip` file for `src,map_ip(maps/geoip.map,--)`: country codes checked
 * (two letters, so a crafted CSV cannot put anything else into a map HAProxy loads),
 * overlaps refused (map_ip would pick the most specific silently), adjacent ranges of
 * one country joined so the file stays under s3-sync's object size limit.
 */
export function buildGeoMap(input: readonly CountryRange[]): GeoMap {
  for (const r of input) {
    if (!/^[A-Z]{2}$/.test(r.country)) {
      throw cliError('GEOIP_BAD_COUNTRY', `${where(r)}: country "${r.country.slice(0, 20)}" is not a two-letter ISO 3166 code`, { context: { file: r.file, line: r.line } });
    }
  }
  const sorted = [...input].sort((a, b) => a.family - b.family || (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const merged: CountryRange[] = [];
  for (const r of sorted) {
    const last = merged.at(-1);
    if (last && last.family === r.family && r.start <= last.end) {
      throw cliError('GEOIP_OVERLAP', `${where(r)} overlaps ${where(last)}`, { context: { a: where(last), b: where(r) } });
    }
    if (last && last.family === r.family && last.country === r.country && r.start === last.end + 1n) last.end = r.end;
    else merged.push({ family: r.family, start: r.start, end: r.end, country: r.country, file: r.file, line: r.line });
  }
  const lines = merged.flatMap((r) => rangeToCidrs(r).map((cidr) => `${cidr} ${r.country}`));
  return { lines, ranges: input.length, networks: lines.length };
}
