import { createServer, type Server, type ServerResponse } from 'node:http';
import { listen, type HostPort } from '@api-server/core';
import { EXPOSITION_CONTENT_TYPE, type ChunkWriter } from './exposition.js';

export interface TextEndpoint {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/**
 * A listener that serves one exposition text at `GET /metrics` (the :3803 and :9101
 * ports; the component's own /metrics /healthz /readyz live on METRICS_ADDR).
 * `render` writes the body in chunks: each write honours the socket's backpressure
 * and gives the event loop a turn, so a large scrape neither piles up in memory nor
 * stalls the loop.
 */
export async function startTextEndpoint(opts: {
  address: HostPort;
  render: (write: ChunkWriter) => Promise<void>;
  onError?: (err: unknown) => void;
}): Promise<TextEndpoint> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/metrics') {
      res.writeHead(200, { 'content-type': EXPOSITION_CONTENT_TYPE });
      const write: ChunkWriter = req.method === 'HEAD' ? () => undefined : chunkWriter(res);
      opts.render(write).then(
        () => res.end(),
        (err: unknown) => {
          // The status line is gone already: cut the body so the scraper sees a failed scrape.
          opts.onError?.(err);
          res.destroy(err instanceof Error ? err : new Error(String(err)));
        },
      );
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
    }
  });
  return { server, ...(await listen(server, opts.address)) };
}

/** Writes a chunk; resolves after 'drain' when the socket buffer is full, else on the next turn. */
function chunkWriter(res: ServerResponse): ChunkWriter {
  return (chunk) =>
    new Promise<void>((resolve, reject) => {
      if (res.destroyed) {
        reject(new Error('scraper went away'));
        return;
      }
      if (res.write(chunk)) {
        setImmediate(resolve);
        return;
      }
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.once('drain', done);
      res.once('close', done);
    });
}
