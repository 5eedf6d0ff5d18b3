import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * A tiny HTTP proxy in front of an S3 endpoint (s3rver) that can fail on purpose:
 * after `failAfterPuts` successful PUTs (uploads and server-side copies), every
 * further PUT answers 500 InternalError, which the SDK retries and then gives up on,
 * the way a publish dies half-way through on a bad network. Headers are forwarded
 * untouched (the Host header is part of the SigV4 signature s3rver checks).
 */
export class FlakyS3 {
  /** `METHOD /bucket/key` of every request seen. */
  readonly requests: string[] = [];
  puts = 0;
  failAfterPuts = Infinity;
  /** Called before a PUT is forwarded (a test can race a concurrent writer here). */
  beforePut?: (path: string) => Promise<void> | void;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(upstreamPort: number): Promise<FlakyS3> {
    let self: FlakyS3 | undefined;
    const server = createServer((req, res) => void self?.handle(req, res, upstreamPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    self = new FlakyS3(server, typeof address === 'object' && address ? address.port : 0);
    return self;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  env(): Record<string, string> {
    return { S3_ENDPOINT: this.endpoint, S3_FORCE_PATH_STYLE: 'true', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
  }

  private async handle(req: IncomingMessage, res: ServerResponse, upstreamPort: number): Promise<void> {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    this.requests.push(`${req.method} ${path}`);
    if (req.method === 'PUT') {
      if (this.puts >= this.failAfterPuts) {
        req.resume();
        res.writeHead(500, { 'content-type': 'application/xml' });
        res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>flaky-s3: failing on purpose</Message></Error>');
        return;
      }
      this.puts++;
      await this.beforePut?.(path);
    }
    const upstream = request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', (err) => {
      res.writeHead(502).end(String(err));
    });
    req.pipe(upstream);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
