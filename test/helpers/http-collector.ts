import { createServer, type Server } from 'node:http';

/**
 * A loopback log collector standing in for Elasticsearch, Loki or Vector: stores
 * every NDJSON record POSTed to it. `start()` again after `stop()` reuses the port,
 * so a test can take the collector away and bring it back.
 */
export class HttpCollector {
  readonly records: Array<Record<string, unknown>> = [];
  requests = 0;
  /** Answer this status instead of 200 (e.g. 503 to simulate an overloaded collector). */
  failWith: number | undefined;
  private server: Server | undefined;

  constructor(readonly port: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/ingest`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests++;
        if (this.failWith) {
          res.writeHead(this.failWith).end();
          return;
        }
        for (const line of Buffer.concat(chunks).toString('utf8').split('\n')) {
          if (line) this.records.push(JSON.parse(line) as Record<string, unknown>);
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  }
}
