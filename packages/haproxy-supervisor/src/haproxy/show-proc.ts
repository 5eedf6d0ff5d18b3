/** One process of `show proc` on the master CLI. */
export interface ProcEntry {
  pid: number;
  /** For the master: how many times it re-executed. For a worker: reloads it has survived (0 = newest). */
  reloads: number;
  uptime: string;
  version: string;
}

export interface ProcTable {
  master: ProcEntry & { failedReloads: number };
  workers: ProcEntry[];
}

/**
 * Parses the master CLI's `show proc` (HAProxy 2.6):
 * ```
 * #<PID>          <type>          <reloads>       <uptime>        <version>
 * 719             master          2 [failed: 1]   0d00h01m52s     2.6.12-1+deb12u4
 * # workers
 * 1295            worker          1               0d00h01m35s     2.6.12-1+deb12u4
 * ```
 * Returns null when the answer holds no master line (not a master socket, cut short).
 */
export function parseShowProc(text: string): ProcTable | null {
  let master: ProcTable['master'] | undefined;
  const workers: ProcEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+)\s+master\s+(\d+)\s+\[failed:\s*(\d+)\]\s+(\S+)\s+(\S+)/.exec(line);
    if (m) {
      master = { pid: Number(m[1]), reloads: Number(m[2]), failedReloads: Number(m[3]), uptime: m[4]!, version: m[5]! };
      continue;
    }
    const w = /^(\d+)\s+worker\s+(\d+)\s+(\S+)\s+(\S+)/.exec(line);
    if (w) workers.push({ pid: Number(w[1]), reloads: Number(w[2]), uptime: w[3]!, version: w[4]! });
  }
  return master ? { master, workers } : null;
}

/** The worker started by the latest (re)load: the one that has survived no reload yet. */
export function currentWorker(table: ProcTable): ProcEntry | undefined {
  return table.workers.find((w) => w.reloads === 0);
}

/** Outcome of a reload, judged from `show proc` before and after (2.6's `reload` answers nothing). */
export type ReloadVerdict = { done: false } | { done: true; ok: true; worker: ProcEntry } | { done: true; ok: false };

export function judgeReload(before: ProcTable, after: ProcTable): ReloadVerdict {
  if (after.master.pid !== before.master.pid) return { done: true, ok: false };
  if (after.master.reloads <= before.master.reloads) return { done: false };
  if (after.master.failedReloads > before.master.failedReloads) return { done: true, ok: false };
  const worker = currentWorker(after);
  return worker ? { done: true, ok: true, worker } : { done: false };
}
