import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileAtomic } from '@api-server/core';
import { cliCommand } from './cli.js';
import { parseDiagnostics, type Diagnostic } from '@api-server/haproxy';
import type { MasterLog } from './master-log.js';
import { isAlive, showProc } from './master.js';
import { filterServerState, type ConfiguredServers } from './server-state.js';
import { judgeReload, type ProcTable } from './show-proc.js';

export interface ReloadTarget {
  masterSocket: string;
  adminSocket: string;
  serverStateFile: string;
  /** `live/current`, stripped from paths in HAProxy's messages. */
  config: string;
  log: MasterLog;
  /** The servers the new version configures: state lines with another address are not carried over. */
  servers?: ConfiguredServers;
}

export type ReloadOutcome =
  | { ok: true; table: ProcTable; warnings: Diagnostic[] }
  | { ok: false; table: ProcTable | null; reason: string; diagnostics: Diagnostic[]; output: string };

/**
 * One seamless reload through the master CLI, confirmed. 2.6's `reload` answers
 * nothing, so success is read from `show proc`: the master's reload count went up,
 * its failed count did not, and a fresh worker (0 reloads) is there. Server state
 * (health, weights, drain set at runtime) is dumped just before, so the new worker
 * starts from it (`load-server-state-from-file global`). Callers must serialise:
 * the master silently drops a `reload` that arrives while one is in progress.
 */
export async function reloadMaster(target: ReloadTarget, opts: { timeoutMs?: number } = {}): Promise<ReloadOutcome> {
  const before = await showProc(target.masterSocket);
  if (!before) return { ok: false, table: null, reason: 'the master CLI does not answer', diagnostics: [], output: '' };

  await dumpServerState(target);
  await target.log.trim(1024 * 1024).catch(() => undefined);
  await target.log.mark();
  // The connection closes without a word when the master re-executes; a timeout here
  // is not a verdict either, show proc below is.
  await cliCommand(target.masterSocket, 'reload', { timeoutMs: 5000 }).catch(() => '');

  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let after: ProcTable | null = null;
  while (Date.now() < deadline) {
    if (!isAlive(before.master.pid)) {
      // A config that fails after the master's check (in the new worker, e.g. chroot)
      // makes 2.6's master kill every process ("exit-on-failure"), old worker included.
      const output = await target.log.readNew().catch(() => '');
      return { ok: false, table: null, reason: 'the master exited during the reload', diagnostics: parseDiagnostics(output, [target.config]), output };
    }
    after = await showProc(target.masterSocket, 2000);
    const verdict = after ? judgeReload(before, after) : { done: false as const };
    if (verdict.done) {
      const output = await target.log.readNew().catch(() => '');
      const diagnostics = parseDiagnostics(output, [target.config]);
      if (verdict.ok) return { ok: true, table: after!, warnings: await startupWarnings(target) };
      return { ok: false, table: after, reason: 'HAProxy refused the new configuration at start', diagnostics, output };
    }
    await sleep(50);
  }
  const output = await target.log.readNew().catch(() => '');
  return { ok: false, table: after, reason: `no new worker within ${opts.timeoutMs ?? 60_000} ms`, diagnostics: parseDiagnostics(output, [target.config]), output };
}

/** `show servers state` (admin socket of the current worker) into the server-state file. */
async function dumpServerState(target: ReloadTarget): Promise<void> {
  const text = await cliCommand(target.adminSocket, 'show servers state', { timeoutMs: 5000 }).catch(() => '');
  // A complete dump starts with the format version line; anything else would make
  // the new worker warn or skip the file, so keep the previous dump instead.
  if (/^1\n/.test(text)) await writeFileAtomic(target.serverStateFile, target.servers ? filterServerState(text, target.servers) : text);
}

/** The new worker's startup warnings (`@1 show startup-logs`). */
async function startupWarnings(target: ReloadTarget): Promise<Diagnostic[]> {
  const text = await cliCommand(target.masterSocket, '@1 show startup-logs', { timeoutMs: 2000 }).catch(() => '');
  return parseDiagnostics(text, [target.config]).filter((d) => d.level === 'warning');
}
