import { closeSync, openSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PipelineError } from '@api-server/core';
import { execa } from 'execa';
import { supervisorError } from '../error-codes.js';
import { cliCommand } from './cli.js';
import { parseDiagnostics, primaryDiagnostic } from '@api-server/haproxy';
import { onlyIdleConnections } from './idle-stop.js';
import type { MasterLog } from './master-log.js';
import { currentWorker, parseShowProc, type ProcTable } from './show-proc.js';

/** Where the master lives and what it loads. */
export interface MasterPaths {
  bin: string;
  /** `live/current`: `-C` and `-f` name the symlink, so each re-exec resolves it again. */
  config: string;
  masterSocket: string;
  pidFile: string;
}

/** A running HAProxy master, started by this process or adopted from an earlier one. */
export interface Master {
  pid: number;
  adopted: boolean;
  /** Resolves when the master is gone. */
  exited: Promise<void>;
}

/** `show proc` on the master socket, or null when no master answers. */
export async function showProc(masterSocket: string, timeoutMs = 2000): Promise<ProcTable | null> {
  try {
    return parseShowProc(await cliCommand(masterSocket, 'show proc', { timeoutMs }));
  } catch {
    return null;
  }
}

/**
 * A master left by an earlier supervisor (killed with -9) still answering on the
 * master socket: adopt it rather than start a second one that would fight over the
 * ports. It is not our child, so its exit is noticed by polling its pid.
 */
export async function adoptMaster(paths: MasterPaths): Promise<Master | null> {
  const table = await showProc(paths.masterSocket);
  if (!table || !isAlive(table.master.pid)) return null;
  return { pid: table.master.pid, adopted: true, exited: pollExit(table.master.pid) };
}

/**
 * Starts `haproxy -W -S <sock> -C <live/current> -f <live/current> -p <pid>` and waits
 * until the master answers with a worker. Detached, and not killed when this process
 * exits: HAProxy keeps serving through a supervisor crash, and the next supervisor
 * adopts it. Throws HAPROXY_START_FAILED (with HAProxy's alerts) if it exits first.
 */
export async function startMaster(paths: MasterPaths, log: MasterLog, opts: { timeoutMs?: number } = {}): Promise<Master> {
  await log.mark();
  // execa's types take a descriptor only as a numeric literal; any number works at run time.
  const fd = openSync(log.path, 'a') as 3;
  const spawnMaster = () =>
    execa(paths.bin, ['-W', '-S', `${paths.masterSocket},mode,600`, '-C', paths.config, '-f', paths.config, '-p', paths.pidFile], {
      detached: true,
      cleanup: false,
      reject: false,
      stdin: 'ignore',
      stdout: fd,
      stderr: fd,
    });
  let child: ReturnType<typeof spawnMaster>;
  try {
    child = spawnMaster();
  } finally {
    // The child holds its own copy of the descriptor.
    closeSync(fd);
  }
  const pid = child.pid;
  let gone = false;
  const exited = child.then(
    () => {
      gone = true;
    },
    () => {
      gone = true;
    },
  );
  if (pid === undefined) throw await startFailure(paths, log, 'could not spawn');
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  while (!gone && Date.now() < deadline) {
    const table = await showProc(paths.masterSocket, 1000);
    if (table && table.master.pid === pid && currentWorker(table)) return { pid, adopted: false, exited };
    await Promise.race([sleep(100), exited]);
  }
  if (!gone) {
    process.kill(pid, 'SIGKILL');
    await exited;
    throw await startFailure(paths, log, `no worker within ${opts.timeoutMs ?? 30_000} ms`);
  }
  throw await startFailure(paths, log, 'the master exited during start');
}

async function startFailure(paths: MasterPaths, log: MasterLog, why: string): Promise<PipelineError> {
  const output = await log.readNew().catch(() => '');
  const diag = primaryDiagnostic(parseDiagnostics(output, [paths.config]));
  return supervisorError('HAPROXY_START_FAILED', `HAProxy did not start: ${diag?.message ?? why}`, {
    context: { file: diag?.file ?? null, line: diag?.line ?? null, output: output.slice(-2000) },
  });
}

/**
 * Soft stop: SIGUSR1 to the master (workers finish their connections, bounded by
 * `hard-stop-after`), then wait. After `timeoutMs`, SIGTERM (hard stop), then SIGKILL.
 * With `masterSocket`, the wait ends early with a SIGTERM once the workers hold only
 * idle keep-alive connections (twice in a row, 250 ms apart): no request is cut, and
 * idle clients do not hold the stop for `hard-stop-after`.
 */
export async function stopMaster(master: Master, timeoutMs: number, masterSocket?: string): Promise<void> {
  const steps: Array<[NodeJS.Signals, number]> = [
    ['SIGUSR1', timeoutMs],
    ['SIGTERM', 5000],
    ['SIGKILL', 5000],
  ];
  for (const [signal, wait] of steps) {
    try {
      process.kill(master.pid, signal);
    } catch {
      return;
    }
    const idle = signal === 'SIGUSR1' && masterSocket ? untilOnlyIdle(masterSocket, master.exited) : new Promise<never>(() => {});
    const done = await Promise.race([master.exited.then(() => true), idle.then(() => false), sleep(wait).then(() => false)]);
    if (done) return;
  }
}

/** Resolves once the workers hold only idle connections, or the master is gone (the race has then ended). */
async function untilOnlyIdle(masterSocket: string, exited: Promise<void>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  for (let streak = 0; !gone && streak < 2; ) {
    await sleep(250);
    streak = (await onlyIdleConnections(masterSocket).catch(() => false)) ? streak + 1 : 0;
  }
}

/** True while a process with this pid exists (signal 0 checks without sending). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function pollExit(pid: number, intervalMs = 500): Promise<void> {
  while (isAlive(pid)) await sleep(intervalMs);
}
