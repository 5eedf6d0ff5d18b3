import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '@api-server/core';
import { buildGeoMap, type CountryRange } from '../geoip/build-map.js';
import { ip2locationRanges } from '../geoip/ip2location.js';
import { maxmindBlocks, maxmindLocations, type CsvFile } from '../geoip/maxmind.js';
import { failure, type Command } from '../workflow/command-io.js';
import { UsageError } from '../workflow/options.js';
import { DEFAULT_LIMITS } from '../workflow/read-repo.js';

const geoipMapHelp = `apictl geoip-map (--blocks FILE... --locations FILE | --ranges FILE) [--only CC,CC] [--out FILE]

Builds the CIDR -> country map the example edge blocks countries with
(templates/maps/geoip.map, read by "src,map_ip(maps/geoip.map,--)"), from a GeoIP CSV:
  MaxMind GeoLite2/GeoIP2 Country: --blocks ...-Blocks-IPv4.csv --blocks ...-Blocks-IPv6.csv
                                   --locations ...-Locations-en.csv
  ip2location-style ranges:        --ranges FILE  (start,end,country per line; integers or addresses)
Country codes are checked (two letters), overlaps refused, neighbouring networks of one
country joined. --only keeps the networks of those countries (the blocked ones, say): a
full map is about 11 MB and 190 MB in every HAProxy worker, over s3-sync's 10 MiB default.
Writes FILE atomically (stdout without --out); prints counts on stderr.

Examples:
  apictl geoip-map --blocks GeoLite2-Country-Blocks-IPv4.csv --blocks GeoLite2-Country-Blocks-IPv6.csv \\
    --locations GeoLite2-Country-Locations-en.csv --out templates/maps/geoip.map
  apictl geoip-map --ranges IP2LOCATION-LITE-DB1.CSV --out templates/maps/geoip.map
  apictl geoip-map --ranges IP2LOCATION-LITE-DB1.CSV --only KP,IR --out templates/maps/geoip.map`;

export const geoipMapCommand: Command = {
  name: 'geoip-map',
  summary: 'build an HAProxy map of IP ranges to country codes',
  help: geoipMapHelp,
  async run(argv, io) {
    try {
      const { values } = parseArgs({
        args: argv,
        options: {
          blocks: { type: 'string', multiple: true },
          locations: { type: 'string' },
          ranges: { type: 'string', multiple: true },
          only: { type: 'string' },
          out: { type: 'string', short: 'o' },
        },
      });
      const blocks = values.blocks ?? [];
      const rangeFiles = values.ranges ?? [];
      if (blocks.length > 0 === rangeFiles.length > 0) throw new UsageError('give either --blocks (with --locations) or --ranges');
      if (blocks.length > 0 !== (values.locations !== undefined)) throw new UsageError('--blocks and --locations go together (MaxMind CSV)');
      const only = values.only === undefined ? undefined : countryList(values.only);

      const ranges: CountryRange[] = [];
      let skipped = 0;
      const add = (r: { ranges: CountryRange[]; skipped: number }) => {
        for (const range of r.ranges) ranges.push(range);
        skipped += r.skipped;
      };
      if (values.locations) {
        const locations = maxmindLocations(await csvFile(values.locations));
        for (const path of blocks) add(maxmindBlocks(await csvFile(path), locations));
      }
      for (const path of rangeFiles) add(ip2locationRanges(await csvFile(path)));

      const map = buildGeoMap(only ? ranges.filter((r) => only.has(r.country)) : ranges);
      // File names go into the map's comment line: nothing that could start a new line.
      const sources = [...blocks, ...rangeFiles].map((p) => basename(p).replace(/[^\w.+-]/g, '_')).join(', ');
      const text = `# CIDR -> ISO 3166 country for src,map_ip(); built by apictl geoip-map from ${sources}\n${map.lines.join('\n')}\n`;
      if (values.out) await writeFileAtomic(values.out, text);
      else io.out(text.trimEnd());
      io.err(`apictl geoip-map: ${ranges.length} ranges (${skipped} without a country skipped${only ? `, ${ranges.length - map.ranges} of other countries left out` : ''}) -> ${map.networks} networks, ${Buffer.byteLength(text)} bytes${values.out ? ` in ${values.out}` : ''}`);
      if (Buffer.byteLength(text) > DEFAULT_LIMITS.maxFileBytes) {
        io.err(`apictl geoip-map: warning: over ${DEFAULT_LIMITS.maxFileBytes} bytes, the per-file limit of s3-sync and apictl validate (REPO_FILE_TOO_LARGE): raise S3_MAX_OBJECT_BYTES on the nodes or keep fewer countries (--only)`);
      }
      return 0;
    } catch (err) {
      return failure('geoip-map', err, io);
    }
  },
};

function countryList(text: string): Set<string> {
  const codes = text.split(',').map((c) => c.trim().toUpperCase()).filter(Boolean);
  const bad = codes.filter((c) => !/^[A-Z]{2}$/.test(c));
  if (codes.length === 0 || bad.length) throw new UsageError(`--only: expected two-letter country codes separated by commas, got "${text.slice(0, 80)}"`);
  return new Set(codes);
}

async function csvFile(path: string): Promise<CsvFile> {
  return { name: basename(path), text: await readFile(path, 'utf8') };
}
