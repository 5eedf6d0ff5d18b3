import { createServer, type Server, type Socket } from 'node:net';
import type { HostPort } from '@api-server/core';
import { SyslogFrameDecoder, type FrameInfo } from '../parse/framing.js';
import { ConnectionTable } from './connection-table.js';

/** Why the source closed a connection itself (a label of the closed-connections counter). */
export type CloseReason = 'idle' | 'evicted';

export interface TcpSourceEvents {
  frame(frame: Buffer, info: FrameInfo): void;
  /** A chunk of frames was handed over: a good moment to flush batches. */
  chunk(bytes: number): void;
  connections(open: number): void;
  /** We closed a connection: silent for the idle timeout, or made room at the cap (see ConnectionTable). */
  closed(reason: CloseReason): void;
  error(err: Error): void;
}

export interface TcpSourceOptions {
  address: HostPort;
  maxFrameBytes: number;
  /** Open connections at most; at the cap the least recently active one is closed for the newcomer. */
  maxConnections: number;
  /** A connection that carried no byte for this long is closed (not while input is paused). */
  idleTimeoutMs: number;
  events: TcpSourceEvents;
}

/**
 * Syslog over TCP (an HAProxy `ring` with `log-proto octet-count`, or newline framing).
 * Pausing stops reading every connection: HAProxy's ring then buffers, so
 * backpressure from the disk or a sink costs no line until the ring itself is full.
 *
 * Connections are bounded (`maxConnections`, `idleTimeoutMs`; see ConnectionTable)
 * so that stray or hostile idle connections cannot use up the process's descriptors,
 * which rotation and the state file need too.
 */
export class TcpSource {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly table: ConnectionTable<Socket>;
  private sweeper: NodeJS.Timeout | undefined;
  private paused = false;

  constructor(private readonly opts: TcpSourceOptions) {
    this.table = new ConnectionTable(opts);
  }

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
    // Checking a few times per timeout is precise enough, and at most once a second cheap.
    this.sweeper = setInterval(() => this.closeIdle(), Math.min(1000, Math.max(50, this.opts.idleTimeoutMs / 4)));
    this.sweeper.unref();
    const address = server.address();
    return typeof address === 'object' && address ? address.port : this.opts.address.port;
  }

  pause(paused: boolean): void {
    if (this.paused && !paused) this.table.touchAll(Date.now());
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
    clearInterval(this.sweeper);
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
    for (const victim of this.table.makeRoom()) this.drop(victim, 'evicted');
    this.table.add(socket, Date.now());
    this.sockets.add(socket);
    events.connections(this.sockets.size);
    socket.setNoDelay(true);
    if (this.paused) socket.pause();
    socket.on('data', (chunk: Buffer) => {
      this.table.touch(socket, Date.now());
      decoder.push(chunk, events.frame);
      events.chunk(chunk.length);
    });
    socket.on('end', () => decoder.end(events.frame));
    socket.on('error', (err) => events.error(err));
    socket.on('close', () => {
      this.table.delete(socket);
      if (this.sockets.delete(socket)) events.connections(this.sockets.size);
    });
    // A half-open peer must not pin the socket forever.
    socket.setKeepAlive(true, 30_000);
  }

  private closeIdle(): void {
    // A paused connection is silent because we stopped reading it: never idle then.
    if (this.paused) return;
    for (const socket of this.table.takeIdle(Date.now())) this.drop(socket, 'idle');
  }

  /** Closes a connection we gave up on; it leaves the open count at once, not at its 'close'. */
  private drop(socket: Socket, reason: CloseReason): void {
    this.sockets.delete(socket);
    socket.destroy();
    this.opts.events.closed(reason);
    this.opts.events.connections(this.sockets.size);
  }
}
