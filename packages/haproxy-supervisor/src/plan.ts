import type { VersionFile } from '@api-server/core';
import { planRuntime, type ServerChange } from './runtime/plan-runtime.js';

/**
 * How a candidate reaches the running HAProxy:
 * - `start`: no HAProxy runs; start one from `live/current`.
 * - `runtime`: only server lines of existing backends changed, in ways the runtime
 *   API reproduces exactly: apply them over the admin socket, no reload.
 * - `reload`: seamless reload through the master CLI.
 * - `none`: the live version already is this candidate.
 */
export type ApplyMethod = 'start' | 'runtime' | 'reload' | 'none';

export type ApplyPlan = { method: Exclude<ApplyMethod, 'runtime'>; reason: string } | { method: 'runtime'; reason: string; changes: ServerChange[] };

export interface PlanInput {
  running: boolean;
  live: { id: string; files: readonly VersionFile[] } | null;
  candidate: { id: string; files: readonly VersionFile[] };
}

/** Pure: the same live and candidate files always give the same plan. */
export function planApply(input: PlanInput): ApplyPlan {
  if (!input.running) return { method: 'start', reason: 'HAProxy is not running' };
  if (input.live?.id === input.candidate.id) return { method: 'none', reason: 'already live' };
  if (!input.live) return { method: 'reload', reason: 'no live version yet' };
  const runtime = planRuntime(input.live.files, input.candidate.files);
  if (!runtime.runtime) return { method: 'reload', reason: runtime.reason };
  return { method: 'runtime', reason: summarize(runtime.changes), changes: runtime.changes };
}

/** `2 added, 1 removed, 1 updated` (or `no effective change`). */
function summarize(changes: readonly ServerChange[]): string {
  const count = (op: ServerChange['op']) => changes.filter((c) => c.op === op).length;
  const parts = [['added', count('add')], ['removed', count('remove')], ['updated', count('update')]].filter(([, n]) => n) as Array<[string, number]>;
  return parts.length ? `servers only: ${parts.map(([w, n]) => `${n} ${w}`).join(', ')}` : 'no effective change (comments or layout)';
}
