import { createServer } from 'node:net';
import type { BindAddress } from '@api-server/haproxy';

/**
 * Finds a new bind address another process already holds, before reloading. HAProxy
 * 2.6 answers a failed bind at reload by pausing the running worker's listeners
 * (SIGTTOU) while it retries for about a second, then gives up: new connections are
 * refused meanwhile (we counted hundreds). `haproxy -c` does not see port conflicts,
 * so this probe is the only way to refuse such a version without that outage.
 * Best effort: a port taken between the probe and the reload still fails the reload.
 */
export async function findBindConflict(binds: readonly BindAddress[]): Promise<{ bind: BindAddress; code: string } | null> {
  for (const bind of binds) {
    const code = await probe(bind.host, bind.port);
    if (code) return { bind, code };
  }
  return null;
}

function probe(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'EUNKNOWN'));
    server.listen({ host: host || undefined, port, exclusive: true }, () => server.close(() => resolve(null)));
  });
}
