import { createServer, type Server } from 'node:http';

/** A tiny loopback HTTP backend answering `200 <name>` (so a test sees who served). */
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
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/plain', 'x-backend': name });
        res.end(`${name}\n`);
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
