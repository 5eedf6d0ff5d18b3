import { createServer, type Server } from 'node:http';
import { freePort } from './free-port.js';
import type { ConsulDev } from './consul-dev.js';

/**
 * A loopback HTTP instance that answers with its own id, so a request shows who served it.
 * `GET /request-headers` answers `{"instance": id, "headers": {...}}` instead: what a
 * backend behind the edge sees (client address, request id, country headers).
 */
export class DemoInstance {
  hits = 0;
  private constructor(
    readonly id: string,
    readonly service: string,
    readonly port: number,
    private readonly server: Server,
  ) {}

  static async start(id: string, service = id.replace(/-\d+$/, '')): Promise<DemoInstance> {
    const port = await freePort();
    const box: { instance?: DemoInstance } = {};
    const server = createServer((req, res) => {
      if (box.instance) box.instance.hits++;
      if (req.url === '/request-headers') {
        res.writeHead(200, { 'content-type': 'application/json', 'x-instance': id });
        res.end(`${JSON.stringify({ instance: id, headers: req.headers })}\n`);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain', 'x-instance': id });
      res.end(`${id}\n`);
    });
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    box.instance = new DemoInstance(id, service, port, server);
    return box.instance;
  }

  register(consul: ConsulDev, passing = true): Promise<void> {
    return consul.register({ id: this.id, name: this.service, address: '127.0.0.1', port: this.port, passing });
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => {
      this.server.close(() => r());
      this.server.closeAllConnections();
    });
  }
}
