import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandIo } from '../workflow/command-io.js';
import { geoipMapCommand } from './geoip-map.js';

function captureIo(): CommandIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (s) => stdout.push(s), err: (s) => stderr.push(s), errRaw: (s) => stderr.push(s), stderrIsTty: false };
}

describe('apictl geoip-map', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'geoip-map-'));
    await writeFile(join(dir, 'loc.csv'), 'geoname_id,locale_code,continent_code,continent_name,country_iso_code,country_name,is_in_european_union\n1873107,en,AS,Asia,KP,"Korea, North",0\n');
    await writeFile(join(dir, 'v4.csv'), 'network,geoname_id,registered_country_geoname_id,represented_country_geoname_id,is_anonymous_proxy,is_satellite_provider\n175.45.176.0/22,1873107,1873107,,0,0\n');
    await writeFile(join(dir, 'v6.csv'), 'network,geoname_id,registered_country_geoname_id,represented_country_geoname_id,is_anonymous_proxy,is_satellite_provider\n2001:db8:1::/48,1873107,1873107,,0,0\n');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes a map_ip file from MaxMind CSVs and reports counts', async () => {
    const io = captureIo();
    const out = join(dir, 'geoip.map');
    const code = await geoipMapCommand.run(['--blocks', join(dir, 'v4.csv'), '--blocks', join(dir, 'v6.csv'), '--locations', join(dir, 'loc.csv'), '--out', out], io);
    expect(code).toBe(0);
    expect((await readFile(out, 'utf8')).split('\n').slice(1)).toEqual(['175.45.176.0/22 KP', '2001:db8:1::/48 KP', '']);
    expect(io.stderr.join('\n')).toMatch(/2 ranges \(0 without a country skipped\) -> 2 networks/);
  });

  it('--only keeps the listed countries', async () => {
    await writeFile(join(dir, 'r.csv'), '175.45.176.0,175.45.179.255,KP,x\n203.0.113.0,203.0.113.255,US,y\n');
    const io = captureIo();
    expect(await geoipMapCommand.run(['--ranges', join(dir, 'r.csv'), '--only', 'kp, IR'], io)).toBe(0);
    expect(io.stdout.join('\n').split('\n').slice(1)).toEqual(['175.45.176.0/22 KP']);
    expect(io.stderr.join('\n')).toMatch(/2 ranges \(0 without a country skipped, 1 of other countries left out\) -> 1 networks/);
  });

  it.each([
    [['--ranges', 'r.csv', '--only', 'KP,XYZ'], /--only: expected two-letter country codes/],
    [['--blocks', 'x.csv'], /--blocks and --locations go together/],
    [['--ranges', 'a.csv', '--blocks', 'b.csv'], /either --blocks \(with --locations\) or --ranges/],
    [[], /either --blocks/],
  ])('usage error for %j (exit 2)', async (argv, message) => {
    const io = captureIo();
    expect(await geoipMapCommand.run(argv, io)).toBe(2);
    expect(io.stderr.join('\n')).toMatch(message);
  });

  it('fails (exit 1) with the file, line and code on a bad row, writing nothing', async () => {
    await writeFile(join(dir, 'bad.csv'), '1.2.3.4,1.2.3.9,KP\n1.2.3.10,1.2.3.1,KP\n');
    const io = captureIo();
    const out = join(dir, 'geoip.map');
    expect(await geoipMapCommand.run(['--ranges', join(dir, 'bad.csv'), '-o', out], io)).toBe(1);
    expect(io.stderr.join('\n')).toMatch(/bad\.csv:2: start and end .* \[GEOIP_BAD_RANGE\]/);
    await expect(readFile(out)).rejects.toThrow(/ENOENT/);
  });
});
