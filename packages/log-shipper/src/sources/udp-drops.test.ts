import { describe, expect, it } from 'vitest';
import { ipv4Hex, parseProcNetUdp } from './udp-drops.js';

const TABLE = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
 1692: 00000000:E6FC 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 27639 2 000000001d0f228a 0
 1700: 0100007F:13B4 00000000:0000 07 00000000:00030000 00:00000000 00000000     0        0 27700 2 000000001d0f0000 1234
`;

describe('parseProcNetUdp', () => {
  it.each<[string, number, number | undefined]>([
    ['127.0.0.1', 5044, 1234],
    ['127.0.0.1', 59132, 0], // bound to 0.0.0.0
    ['127.0.0.1', 9999, undefined],
    ['10.0.0.1', 5044, undefined],
  ])('%s:%i', (host, port, expected) => expect(parseProcNetUdp(TABLE, host, port)).toBe(expected));

  it('encodes addresses as the kernel prints them', () => expect(ipv4Hex('127.0.0.1')).toBe('0100007F'));
});
