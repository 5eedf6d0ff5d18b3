import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';

/**
 * A tiny loopback HTTP backend answering `200 <name>` (so a test sees who served).
 * `GET /slow?ms=N` answers after N ms: an in-flight request a reload or a removal
 * must let finish.
 */
export class Backend {
  hits = 0;
  private constructor(
    readonly name: string,
    readonly port: number,
    private readonly server: Server,
  ) {}

  static async start(name: string): Promise<Backend> {
    let backend: Backend | undefined;
    const server = createServer((req, res) => {
      if (backend) backend.hits++;
      const delay = req.url?.startsWith('/slow') ? Number(new URL(req.url, 'http://x').searchParams.get('ms') ?? 1000) : 0;
      req.resume();
      req.on('end', () => {
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'text/plain', 'x-backend': name });
          res.end(`${name}\n`);
        }, delay);
      });
    });
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const address = server.address();
    backend = new Backend(name, typeof address === 'object' && address ? address.port : 0, server);
    return backend;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => {
      this.server.close(() => r());
      this.server.closeAllConnections();
    });
  }
}

/** A loopback TCP backend that echoes every byte back prefixed with its name: a long-lived connection to keep open across reloads. */
export class EchoBackend {
  private constructor(
    readonly name: string,
    readonly port: number,
    private readonly server: TcpServer,
    private readonly sockets: Set<Socket>,
  ) {}

  static async start(name: string): Promise<EchoBackend> {
    const sockets = new Set<Socket>();
    const server = createTcpServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      socket.on('data', (d: Buffer) => socket.write(`${name}:${d.toString()}`));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const address = server.address();
    return new EchoBackend(name, typeof address === 'object' && address ? address.port : 0, server, sockets);
  }

  /** Connections currently open to this backend. */
  get connections(): number {
    return this.sockets.size;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
