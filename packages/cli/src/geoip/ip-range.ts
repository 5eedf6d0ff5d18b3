import { isIPv4, isIPv6 } from 'node:net';

/** An inclusive address range of one family, as integers (IPv6 needs 128 bits: bigint). */
export interface IpRange {
  family: 4 | 6;
  start: bigint;
  end: bigint;
}

const BITS = { 4: 32, 6: 128 } as const;

/** An address as an integer, or undefined when `text` is not a plain IPv4/IPv6 address (no zone, no prefix). */
export function parseIp(text: string): { family: 4 | 6; value: bigint } | undefined {
  if (isIPv4(text)) {
    const [a, b, c, d] = text.split('.').map(Number) as [number, number, number, number];
    return { family: 4, value: BigInt(((a << 24) >>> 0) + (b << 16) + (c << 8) + d) };
  }
  if (!isIPv6(text) || text.includes('%')) return undefined;
  let head = text;
  let tailV4: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  // An embedded IPv4 tail (::ffff:1.2.3.4) stands for the last two groups.
  if (text.includes('.')) {
    tailV4 = parseIp(text.slice(lastColon + 1))?.value;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  const missing = 8 - groups(left).length - groups(right).length;
  const all = [...groups(left), ...(right === undefined ? [] : Array<string>(missing).fill('0')), ...groups(right)];
  let value = all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
  if (tailV4 !== undefined) value = (value & ~0xffffffffn) | tailV4;
  return { family: 6, value };
}

/** The canonical text of an address (IPv6 compressed, lower case). */
export function formatIp(family: 4 | 6, value: bigint): string {
  if (family === 4) {
    const n = Number(value);
    return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  }
  const hex = value.toString(16).padStart(32, '0');
  const groups = Array.from({ length: 8 }, (_, i) => hex.slice(i * 4, i * 4 + 4).replace(/^0{1,3}/, ''));
  // RFC 5952: compress the longest run (at least two) of zero groups, the first one on a tie.
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len && j - i >= 2) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}

/** `a.b.c.d/n` or `x::/n` as a range; undefined when malformed or when host bits are set. */
export function parseCidr(text: string): IpRange | undefined {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!match) return undefined;
  const ip = parseIp(match[1]!);
  const prefix = Number(match[2]);
  if (!ip || prefix > BITS[ip.family]) return undefined;
  const hostBits = BigInt(BITS[ip.family] - prefix);
  const hostMask = (1n << hostBits) - 1n;
  if ((ip.value & hostMask) !== 0n) return undefined;
  return { family: ip.family, start: ip.value, end: ip.value | hostMask };
}

/** The fewest CIDR blocks that cover exactly `range`. */
export function rangeToCidrs(range: IpRange): string[] {
  const bits = BITS[range.family];
  const out: string[] = [];
  let start = range.start;
  while (start <= range.end) {
    // The largest block aligned at `start` (its trailing zero bits) that does not pass `end`.
    const aligned = start === 0n ? bits : bitLength(start & -start) - 1;
    const fits = bitLength(range.end - start + 1n) - 1;
    const size = Math.min(aligned, fits);
    out.push(`${formatIp(range.family, start)}/${bits - size}`);
    start += 1n << BigInt(size);
  }
  return out;
}

function bitLength(v: bigint): number {
  return v.toString(2).length;
}
