import { PipelineError } from '@api-server/core';
import type { Candidate } from './candidate.js';
import type { Master } from './haproxy/master.js';
import type { ProcTable } from './haproxy/show-proc.js';
import { locate, readManifest } from './manifest.js';

/** Adds the template and the line's text to an error that names a rendered file and line. */
export function withLocation(err: unknown, candidate: Candidate): unknown {
  if (!(err instanceof PipelineError) || typeof err.context.file !== 'string') return err;
  const line = typeof err.context.line === 'number' ? err.context.line : undefined;
  const where = locate({ file: err.context.file, line }, candidate.files, readManifest(candidate.files));
  // The same error with more context: its code stays the one it was raised with (any package's), hence not supervisorError.
  return new PipelineError(err.code, err.message, { cause: err.cause, context: { ...err.context, ...where } });
}

/** The `haproxy` block of the state file: the keeper's master and phase, and the master's `show proc`. */
export function haproxyState(keeper: { master: Master | null; phase: string }, table: ProcTable | null): Record<string, unknown> {
  const { master, phase } = keeper;
  return {
    running: master !== null,
    phase,
    adopted: master?.adopted ?? false,
    masterPid: master?.pid ?? null,
    reloads: table?.master.reloads ?? null,
    failedReloads: table?.master.failedReloads ?? null,
    workers: table?.workers.map((w) => ({ pid: w.pid, reloads: w.reloads, uptime: w.uptime })) ?? [],
  };
}
