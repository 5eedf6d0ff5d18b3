import { readFile } from 'node:fs/promises';

/**
 * The kernel's drop counter for one UDP socket, from `/proc/net/udp` (or `udp6`):
 * datagrams that arrived while the receive buffer was full. Linux only; elsewhere
 * the reader returns undefined and the metric stays at 0.
 */
export function parseProcNetUdp(text: string, host: string, port: number): number | undefined {
  const wantPort = port.toString(16).toUpperCase().padStart(4, '0');
  const wantAddr = host.includes(':') ? undefined : ipv4Hex(host);
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
    if (cols.length < 13) continue;
    const [addr, p] = cols[1]!.split(':');
    if (p !== wantPort) continue;
    if (wantAddr && addr !== wantAddr && addr !== '00000000') continue;
    const drops = Number(cols[12]);
    if (Number.isFinite(drops)) return drops;
  }
  return undefined;
}

/** 127.0.0.1 -> `0100007F` (little-endian, as /proc/net/udp prints it on x86 and arm). */
export function ipv4Hex(host: string): string {
  return host
    .split('.')
    .map((o) => Number(o).toString(16).toUpperCase().padStart(2, '0'))
    .reverse()
    .join('');
}

async function readUdpDrops(host: string, port: number): Promise<number | undefined> {
  const file = host.includes(':') ? '/proc/net/udp6' : '/proc/net/udp';
  const text = await readFile(file, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : parseProcNetUdp(text, host, port);
}

/**
 * Our socket's kernel drops since bind: the /proc counter belongs to the socket, so the
 * first reading is the base. `poll` reports new drops to `onDrops` (never a decrease).
 */
export class UdpDropCounter {
  private base: number | undefined;
  /** Drops seen since bind. */
  seen = 0;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly onDrops: (n: number) => void,
  ) {}

  async poll(): Promise<void> {
    const drops = await readUdpDrops(this.host, this.port);
    if (drops === undefined) return;
    this.base ??= drops;
    const total = drops - this.base;
    if (total > this.seen) this.onDrops(total - this.seen);
    this.seen = Math.max(this.seen, total);
  }
}
