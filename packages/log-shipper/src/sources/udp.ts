import { createSocket, type Socket } from 'node:dgram';
import type { HostPort } from '@api-server/core';

export interface UdpSourceEvents {
  datagram(msg: Buffer): void;
  error(err: Error): void;
}

/**
 * Syslog over UDP: one message per datagram. UDP cannot push back, so the receive
 * buffer is enlarged (SO_RCVBUF, capped by the kernel at net.core.rmem_max) and the
 * kernel's own drop counter is reported (see udp-drops.ts).
 */
export class UdpSource {
  private socket: Socket | undefined;

  constructor(private readonly opts: { address: HostPort; recvBufferBytes: number; events: UdpSourceEvents }) {}

  async bind(): Promise<{ port: number; recvBufferBytes: number }> {
    const type = this.opts.address.host.includes(':') ? 'udp6' : 'udp4';
    const socket = createSocket({ type, recvBufferSize: this.opts.recvBufferBytes > 0 ? this.opts.recvBufferBytes : undefined });
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.opts.address.port, this.opts.address.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', (err) => this.opts.events.error(err));
    socket.on('message', (msg) => this.opts.events.datagram(msg));
    return { port: socket.address().port, recvBufferBytes: socket.getRecvBufferSize() };
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.socket ? this.socket.close(() => resolve()) : resolve()));
  }
}
