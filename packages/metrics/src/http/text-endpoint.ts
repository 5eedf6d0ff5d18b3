import { createServer, type Server } from 'node:http';
import type { HostPort } from '@api-server/core';
import { EXPOSITION_CONTENT_TYPE } from '../exposition.js';

export interface TextEndpoint {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/**
 * A listener that serves one exposition text at `GET /metrics` (the :3803 and :9101
 * ports; the component's own /metrics /healthz /readyz live on METRICS_ADDR).
 */
export async function startTextEndpoint(opts: {
  address: HostPort;
  render: () => Promise<string>;
  onError?: (err: unknown) => void;
}): Promise<TextEndpoint> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/metrics') {
      opts.render().then(
        (body) => {
          res.writeHead(200, { 'content-type': EXPOSITION_CONTENT_TYPE });
          res.end(req.method === 'HEAD' ? undefined : body);
        },
        (err: unknown) => {
          opts.onError?.(err);
          res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(err)}\n`);
        },
      );
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.address.port, opts.address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : opts.address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
