/**
 * Per-stage breakdown of one convergence sample, from the supervisor's `lastChange`
 * (state/haproxy-supervisor.json: ms after the renderer first saw the change) and the
 * bench's own wall-clock time of the Consul write. Same host clock throughout.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { percentile } from './percentile.js';

/** Stage names in pipeline order; each value is the ms spent in that stage. */
export const STAGES = ['consulToSeen', 'quiescence', 'render', 'publishAndPickup', 'apply'] as const;
export type StageSample = Record<(typeof STAGES)[number], number> & { method: string };

interface LastChange {
  seenAt: string;
  method?: string;
  ms: { passStart?: number; rendered?: number; supervisorSaw?: number; applied?: number };
}

/** Splits a `lastChange` into stage durations; null when it predates `writtenAt` (the change of another sample). */
export function splitStages(last: LastChange, writtenAt: number): StageSample | null {
  const seenAt = Date.parse(last.seenAt);
  const { passStart, rendered, supervisorSaw, applied } = last.ms;
  if (!(seenAt >= writtenAt - 1) || passStart === undefined || rendered === undefined || supervisorSaw === undefined || applied === undefined) return null;
  return {
    consulToSeen: seenAt - writtenAt,
    quiescence: passStart,
    render: rendered - passStart,
    publishAndPickup: supervisorSaw - rendered,
    apply: applied - supervisorSaw,
    method: last.method ?? '?',
  };
}

/** Waits (up to `timeoutMs`) for the supervisor's state file to show the change written at `writtenAt`. */
export async function readStages(sharedDir: string, writtenAt: number, timeoutMs = 1500): Promise<StageSample | null> {
  const deadline = Date.now() + timeoutMs;
  do {
    const text = await readFile(join(sharedDir, 'state', 'haproxy-supervisor.json'), 'utf8').catch(() => '{}');
    const last = (JSON.parse(text) as { lastChange?: LastChange }).lastChange;
    const sample = last && splitStages(last, writtenAt);
    if (sample) return sample;
    await new Promise((r) => setTimeout(r, 20));
  } while (Date.now() < deadline);
  return null;
}

/** p50 / p99 / max per stage, ms. */
export function stageTable(samples: readonly StageSample[]): Array<{ stage: string; p50Ms: number; p99Ms: number; maxMs: number }> {
  return STAGES.map((stage) => {
    const v = samples.map((s) => s[stage]);
    return { stage, p50Ms: Math.round(percentile(v, 50)), p99Ms: Math.round(percentile(v, 99)), maxMs: Math.round(Math.max(...v)) };
  });
}
