import { cliCommand } from './cli.js';
import { parseShowProc } from './show-proc.js';

/**
 * Streams in a worker's `show sess` answer, not counting the CLI's own (`fe=GLOBAL`).
 * HAProxy 2.6 keeps no stream for an idle keep-alive connection (the H1 mux frees it
 * between requests), so 0 means the worker holds nothing but idle connections.
 */
export function busyStreams(showSess: string): number {
  return showSess.split('\n').filter((line) => /^0x[0-9a-f]+: proto=/.test(line) && !/ fe=GLOBAL /.test(line)).length;
}

/**
 * True when every worker of the master answers and has no stream in progress. After a
 * soft stop, `option idle-close-on-response` (what keeps reloads clean for keep-alive
 * clients) makes the stopping worker wait for each idle client's next request, which an
 * idle client may never send: without this check the last stop lasts `hard-stop-after`.
 */
export async function onlyIdleConnections(masterSocket: string): Promise<boolean> {
  const table = parseShowProc(await cliCommand(masterSocket, 'show proc', { timeoutMs: 1000 }));
  if (!table) return false;
  for (const worker of table.workers) {
    const answer = await cliCommand(masterSocket, `@!${worker.pid} show sess`, { timeoutMs: 1000 });
    if (!/fe=GLOBAL/.test(answer) || busyStreams(answer) > 0) return false;
  }
  return true;
}
