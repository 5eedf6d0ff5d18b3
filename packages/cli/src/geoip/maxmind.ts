import { columns, csvRows } from './csv.js';
import { parseCidr } from './ip-range.js';
import type { CountryRange } from './build-map.js';
import { cliError } from '../error-codes.js';

/** A file's name and text (the command reads them; tests make them). */
export interface CsvFile {
  name: string;
  text: string;
}

/** GeoLite2/GeoIP2-Country-Locations-*.csv: geoname_id -> ISO country code (rows without a code, e.g. continents, are left out). */
export function maxmindLocations(file: CsvFile): Map<string, string> {
  const rows = csvRows(file.text, file.name);
  const at = columns(rows.next().value, ['geoname_id', 'country_iso_code'], file.name);
  const out = new Map<string, string>();
  for (const row of rows) {
    const code = row.fields[at.country_iso_code] ?? '';
    if (code) out.set(row.fields[at.geoname_id] ?? '', code);
  }
  return out;
}

/**
 * GeoLite2/GeoIP2-Country-Blocks-IPv4/IPv6.csv rows as country ranges. The country is
 * where the network is located (geoname_id), else where it is registered
 * (registered_country_geoname_id); networks with neither are counted as skipped.
 */
export function maxmindBlocks(file: CsvFile, locations: ReadonlyMap<string, string>): { ranges: CountryRange[]; skipped: number } {
  const rows = csvRows(file.text, file.name);
  const at = columns(rows.next().value, ['network', 'geoname_id', 'registered_country_geoname_id'], file.name);
  const ranges: CountryRange[] = [];
  let skipped = 0;
  for (const row of rows) {
    const network = row.fields[at.network] ?? '';
    const range = parseCidr(network);
    if (!range) {
      throw cliError('GEOIP_BAD_NETWORK', `${file.name}:${row.line}: "${network.slice(0, 60)}" is not a network (a.b.c.d/n or x::/n, no host bits)`, {
        context: { file: file.name, line: row.line },
      });
    }
    const geonameId = row.fields[at.geoname_id] || row.fields[at.registered_country_geoname_id] || '';
    const country = locations.get(geonameId);
    if (country === undefined) {
      if (geonameId !== '') {
        throw cliError('GEOIP_UNKNOWN_LOCATION', `${file.name}:${row.line}: geoname_id ${geonameId.slice(0, 20)} is not in the locations file`, {
          context: { file: file.name, line: row.line },
        });
      }
      skipped++;
      continue;
    }
    // An explicit literal: object spread here made this loop eight times slower (450k rows).
    ranges.push({ family: range.family, start: range.start, end: range.end, country, file: file.name, line: row.line });
  }
  return { ranges, skipped };
}
