import type { VersionFile } from '@api-server/core';

/**
 * How a checked candidate reaches the running HAProxy:
 * - `start`: no HAProxy runs; start one from `live/current`.
 * - `reload`: seamless reload through the master CLI.
 * - `none`: the live version already is this candidate.
 *
 * A later change adds `runtime` (server-only changes through the runtime API, no
 * reload); it belongs here, as a pure decision over the live and candidate files.
 */
export type ApplyMethod = 'start' | 'reload' | 'none';

export interface ApplyPlan {
  method: ApplyMethod;
  reason: string;
}

export interface PlanInput {
  running: boolean;
  live: { id: string; files: readonly VersionFile[] } | null;
  candidate: { id: string; files: readonly VersionFile[] };
}

export function planApply(input: PlanInput): ApplyPlan {
  if (!input.running) return { method: 'start', reason: 'HAProxy is not running' };
  if (input.live?.id === input.candidate.id) return { method: 'none', reason: 'already live' };
  return { method: 'reload', reason: input.live ? 'configuration changed' : 'no live version yet' };
}
