import { createServer } from 'node:net';
import { devkitError } from './error-codes.js';

/** One address the pod will listen on, and who asked for it (for the message). */
export interface PlannedListener {
  addr: string;
  container: string;
  variable: string;
}

/** Binds `host:port` for a moment: null when free, the OS error code (EADDRINUSE, EACCES) otherwise. */
export function tryBind(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(null)));
  });
}

const CAUSE: Record<string, string> = { EADDRINUSE: 'Address already in use', EACCES: 'Permission denied' };

/**
 * Every listen address checked before anything starts: a busy port otherwise shows up
 * as HAProxy failing to bind deep in a log and the pod never routing (a minute's
 * timeout). Fails at once naming the address, the variable, the cause and the flag.
 */
export async function assertListenersFree(listeners: readonly PlannedListener[]): Promise<void> {
  const seen = new Set<string>();
  const busy: string[] = [];
  for (const l of listeners) {
    if (seen.has(l.addr)) continue; // two containers share the syslog address on purpose
    seen.add(l.addr);
    const m = /^(.*):(\d+)$/.exec(l.addr);
    if (!m) continue;
    const code = await tryBind(m[1] || '127.0.0.1', Number(m[2]));
    if (code) busy.push(`${l.addr} (${l.container} ${l.variable}): ${CAUSE[code] ?? code}`);
  }
  if (busy.length === 0) return;
  throw devkitError(
    'DEV_PORT_BUSY',
    `cannot listen on:\n  ${busy.join('\n  ')}\nStop what holds it, or pick other ports: --http-port N for HTTP, --free-ports for every port.`,
    { context: { busy } },
  );
}
