import { createServer, type Server, type Socket } from 'node:net';
import type { HostPort } from '@api-server/core';
import { SyslogFrameDecoder, type FrameInfo } from '../parse/framing.js';

export interface TcpSourceEvents {
  frame(frame: Buffer, info: FrameInfo): void;
  /** A chunk of frames was handed over: a good moment to flush batches. */
  chunk(bytes: number): void;
  connections(open: number): void;
  error(err: Error): void;
}

/**
 * Syslog over TCP (an HAProxy `ring` with `log-proto octet-count`, or newline framing).
 * Pausing stops reading every connection: HAProxy's ring then buffers, so
 * backpressure from the disk or a sink costs no line until the ring itself is full.
 */
export class TcpSource {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private paused = false;

  constructor(private readonly opts: { address: HostPort; maxFrameBytes: number; events: TcpSourceEvents }) {}

  async listen(): Promise<number> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.address.port, this.opts.address.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.opts.events.error(err));
    const address = server.address();
    return typeof address === 'object' && address ? address.port : this.opts.address.port;
  }

  pause(paused: boolean): void {
    this.paused = paused;
    for (const s of this.sockets) paused ? s.pause() : s.resume();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /**
   * Stops accepting, then half-closes each connection and reads on until the sender
   * closes its side: HAProxy marks a message sent once it is in the socket, so
   * dropping unread bytes would lose lines across a restart. `graceMs` bounds the wait.
   */
  async close(graceMs: number): Promise<void> {
    this.pause(false);
    const closed = new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    const done = [...this.sockets].map(
      (s) =>
        new Promise<void>((resolve) => {
          s.once('close', () => resolve());
          s.end();
        }),
    );
    const timer = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([Promise.all(done), timer]);
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  private accept(socket: Socket): void {
    const decoder = new SyslogFrameDecoder({ maxFrameBytes: this.opts.maxFrameBytes });
    const { events } = this.opts;
    this.sockets.add(socket);
    events.connections(this.sockets.size);
    socket.setNoDelay(true);
    if (this.paused) socket.pause();
    socket.on('data', (chunk: Buffer) => {
      decoder.push(chunk, events.frame);
      events.chunk(chunk.length);
    });
    socket.on('end', () => decoder.end(events.frame));
    socket.on('error', (err) => events.error(err));
    socket.on('close', () => {
      this.sockets.delete(socket);
      events.connections(this.sockets.size);
    });
    // A half-open peer must not pin the socket forever.
    socket.setKeepAlive(true, 30_000);
  }
}
