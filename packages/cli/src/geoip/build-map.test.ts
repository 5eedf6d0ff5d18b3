import { describe, expect, it } from 'vitest';
import { buildGeoMap } from './build-map.js';
import { ip2locationRanges } from './ip2location.js';
import { maxmindBlocks, maxmindLocations } from './maxmind.js';

// A small GeoLite2-Country fixture in MaxMind's column layout (current files add is_anycast).
const LOCATIONS = {
  name: 'GeoLite2-Country-Locations-en.csv',
  text: [
    'geoname_id,locale_code,continent_code,continent_name,country_iso_code,country_name,is_in_european_union',
    '1873107,en,AS,Asia,KP,"Korea, North",0',
    '2921044,en,EU,Europe,DE,Germany,1',
    '6252001,en,NA,"North America",US,"United States",0',
    '6255148,en,EU,Europe,,,0',
  ].join('\r\n'),
};
const BLOCKS_V4 = {
  name: 'GeoLite2-Country-Blocks-IPv4.csv',
  text: [
    'network,geoname_id,registered_country_geoname_id,represented_country_geoname_id,is_anonymous_proxy,is_satellite_provider,is_anycast',
    '175.45.176.0/23,1873107,1873107,,0,0,',
    '175.45.178.0/23,1873107,1873107,,0,0,',
    '203.0.113.0/25,2921044,2921044,,0,0,',
    '203.0.113.128/25,,6252001,,0,0,',
    '198.51.100.0/24,,,,1,0,',
    '',
  ].join('\n'),
};
const BLOCKS_V6 = {
  name: 'GeoLite2-Country-Blocks-IPv6.csv',
  text: 'network,geoname_id,registered_country_geoname_id,represented_country_geoname_id,is_anonymous_proxy,is_satellite_provider\n2001:db8:1::/48,1873107,1873107,,0,0\n',
};

describe('MaxMind GeoLite2-Country CSV -> map', () => {
  it('maps networks to countries, falls back to the registered country, joins neighbours, IPv4 first', () => {
    const locations = maxmindLocations(LOCATIONS);
    expect(locations.get('6255148')).toBeUndefined(); // a continent row has no country code
    const v6 = maxmindBlocks(BLOCKS_V6, locations);
    const v4 = maxmindBlocks(BLOCKS_V4, locations);
    expect(v4.skipped).toBe(1); // the anonymous proxy row has no country at all
    const map = buildGeoMap([...v6.ranges, ...v4.ranges]);
    expect(map.lines).toEqual(['175.45.176.0/22 KP', '203.0.113.0/25 DE', '203.0.113.128/25 US', '2001:db8:1::/48 KP']);
    expect(map).toMatchObject({ ranges: 5, networks: 4 });
  });

  it.each([
    ['a header without the network column', { name: 'b.csv', text: 'net,geoname_id,registered_country_geoname_id\n1.0.0.0/24,1,1\n' }, /GEOIP_CSV_HEADER|header lacks column\(s\) network/],
    ['a network with host bits', { name: 'b.csv', text: 'network,geoname_id,registered_country_geoname_id\n1.0.0.1/24,2921044,\n' }, /b\.csv:2: "1\.0\.0\.1\/24" is not a network/],
    ['config smuggled into a network', { name: 'b.csv', text: 'network,geoname_id,registered_country_geoname_id\n"1.0.0.0/24 DE\nglobal",2921044,\n' }, /unterminated quoted field/],
    ['an unknown geoname id', { name: 'b.csv', text: 'network,geoname_id,registered_country_geoname_id\n1.0.0.0/24,42,\n' }, /b\.csv:2: geoname_id 42 is not in the locations file/],
  ])('refuses %s', (_what, file, error) => {
    expect(() => maxmindBlocks(file, maxmindLocations(LOCATIONS))).toThrow(error);
  });

  it('refuses a country code that is not two letters (it is written into a map HAProxy loads)', () => {
    const locations = maxmindLocations({ name: 'l.csv', text: 'geoname_id,country_iso_code\n2,DE X\n' });
    expect(() => buildGeoMap(maxmindBlocks({ name: 'b.csv', text: 'network,geoname_id,registered_country_geoname_id\n1.0.0.0/24,2,\n' }, locations).ranges)).toThrow(
      /b\.csv:2: country "DE X" is not a two-letter ISO 3166 code/,
    );
  });

  it('refuses overlapping networks, naming both lines', () => {
    const text = 'network,geoname_id,registered_country_geoname_id\n10.0.0.0/8,2921044,\n10.1.0.0/16,6252001,\n';
    expect(() => buildGeoMap(maxmindBlocks({ name: 'b.csv', text }, maxmindLocations(LOCATIONS)).ranges)).toThrow(/b\.csv:3 overlaps b\.csv:2/);
  });
});

describe('ip2location-style start,end,country CSV -> map', () => {
  it('reads integers (IPv4, IPv6, IPv4-mapped IPv6) and address text, skips "-" rows', () => {
    const text = [
      '"2939006976","2939007999","KP","Korea (Democratic People\'s Republic of)"',
      '"3405803776","3405804031","-","-"',
      '"281474087547136","281474087547391","DE","Germany"', // ::ffff:203.0.113.0 - ::ffff:203.0.113.255
      '"42540766411283801782723599580828532736","42540766411283801782723599580828532745","KP","x"',
      '198.51.100.0,198.51.100.9,US,United States',
    ].join('\n');
    const { ranges, skipped } = ip2locationRanges({ name: 'ip2l.csv', text });
    expect(skipped).toBe(1);
    expect(buildGeoMap(ranges).lines).toEqual([
      '175.45.176.0/22 KP',
      '198.51.100.0/29 US',
      '198.51.100.8/31 US',
      '203.0.113.0/24 DE',
      '2001:db8:1::/125 KP',
      '2001:db8:1::8/127 KP',
    ]);
  });

  it.each([
    ['a reversed range', '20,10,DE', /ip2l\.csv:1: start and end are of different families or out of order/],
    ['mixed families', '1.2.3.4,::1,DE', /different families/],
    ['a non-address', '1.2.3.4,x,DE', /expected "start,end,country"/],
    ['an integer past 128 bits', `0,${(1n << 128n).toString()},DE`, /expected "start,end,country"/],
  ])('refuses %s', (_what, text, error) => {
    expect(() => ip2locationRanges({ name: 'ip2l.csv', text })).toThrow(error);
  });
});
