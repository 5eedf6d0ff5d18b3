import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { connect, isIPv4 } from 'node:net';
import { parseIp } from '../../packages/cli/src/geoip/ip-range.js';
import type { RouteResponse } from './pipeline.js';

/**
 * One HTTP request to 127.0.0.1:`port` as a given peer: `from` is the local address the
 * connection comes from (any 127.0.0.0/8 address works on Linux, so one machine plays a
 * direct client, a load balancer and a proxy), `proxy` a PROXY protocol header written
 * before the request, the way a balancer would. A fresh connection each time.
 */
export function edgeRequest(
  port: number,
  opts: { host?: string; path?: string; headers?: OutgoingHttpHeaders; from?: string; proxy?: Buffer } = {},
): Promise<RouteResponse & { headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: opts.path ?? '/',
        headers: { ...opts.headers, host: opts.host ?? 'localhost', connection: 'close' },
        timeout: 5000,
        createConnection: () => {
          const socket = connect({ host: '127.0.0.1', port, localAddress: opts.from ?? '127.0.0.1' });
          if (opts.proxy) socket.write(opts.proxy);
          return socket;
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body: body.trim(), headers: res.headers }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** A PROXY protocol v1 header (text): `PROXY TCP4|TCP6 src dst sport dport`. */
export function proxyV1(src: string, dst = '127.0.0.1', sport = 40000, dport = 80): Buffer {
  return Buffer.from(`PROXY ${isIPv4(src) ? 'TCP4' : 'TCP6'} ${src} ${dst} ${sport} ${dport}\r\n`);
}

/** A PROXY protocol v2 header (binary): PROXY command, TCP over IPv4 or IPv6. */
export function proxyV2(src: string, dst = isIPv4(src) ? '127.0.0.1' : '::1', sport = 40000, dport = 80): Buffer {
  const signature = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');
  const v4 = isIPv4(src);
  const size = v4 ? 4 : 16;
  const addresses = Buffer.alloc(2 * size + 4);
  bytes(src, size).copy(addresses, 0);
  bytes(dst, size).copy(addresses, size);
  addresses.writeUInt16BE(sport, 2 * size);
  addresses.writeUInt16BE(dport, 2 * size + 2);
  // version 2 + PROXY command, AF_INET/AF_INET6 + STREAM, then the address block's length.
  return Buffer.concat([signature, Buffer.from([0x21, v4 ? 0x11 : 0x21, 0x00, addresses.length]), addresses]);
}

function bytes(address: string, size: number): Buffer {
  const ip = parseIp(address);
  if (!ip || (ip.family === 4) !== (size === 4)) throw new Error(`proxyV2: ${address} is not an IPv${size === 4 ? 4 : 6} address`);
  return Buffer.from(ip.value.toString(16).padStart(size * 2, '0'), 'hex');
}
