import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { HostPort } from './config.js';

export interface Probe {
  /** Null when fine; otherwise why not, shown in the response body. */
  (): string | null;
}

export interface ObservabilityServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/**
 * `/metrics`, `/healthz` (the loop answers and is not stuck) and `/readyz` (the stage
 * has a good version), one server per process.
 */
export async function startObservabilityServer(opts: {
  address: HostPort;
  registry: Registry;
  healthy?: Probe;
  ready: Probe;
}): Promise<ObservabilityServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const probe = (check: Probe | undefined) => {
      const problem = check?.() ?? null;
      res.writeHead(problem ? 503 : 200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(problem ? `${problem}\n` : 'ok\n');
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
    } else if (path === '/metrics') {
      opts.registry.metrics().then(
        (body) => {
          res.writeHead(200, { 'content-type': opts.registry.contentType });
          res.end(body);
        },
        (err: unknown) => {
          res.writeHead(500).end(String(err));
        },
      );
    } else if (path === '/healthz') {
      probe(opts.healthy);
    } else if (path === '/readyz') {
      probe(opts.ready);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics, /healthz, /readyz\n');
    }
  });
  return { server, ...(await listen(server, opts.address)) };
}

/**
 * Starts `server` on `address` (an error such as EADDRINUSE rejects) and returns the
 * bound port and a close that also ends keep-alive connections. Every listener of ours
 * (this one, metrics' :3803 and :9101) goes through here.
 */
export async function listen(server: Server, address: HostPort): Promise<{ port: number; close(): Promise<void> }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address();
  return {
    port: typeof bound === 'object' && bound ? bound.port : address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * A liveness check for a loop that should tick at least every `maxSilenceMs`: the
 * loop calls `beat()`, `/healthz` fails once it has been silent too long.
 */
export function heartbeat(maxSilenceMs: number): { beat(): void; probe: Probe } {
  let last = Date.now();
  return {
    beat: () => {
      last = Date.now();
    },
    probe: () => {
      const silent = Date.now() - last;
      return silent > maxSilenceMs ? `main loop silent for ${silent} ms (limit ${maxSilenceMs} ms)` : null;
    },
  };
}
