import { join } from 'node:path';
import { z } from 'zod';
import { readIfExists, writeFileAtomic } from './atomic-file.js';

/**
 * Where the convergence time goes: the renderer notes when it first saw each Consul
 * change (the answer's arrival, with its X-Consul-Index) and carries those times with
 * the version the change produced, so every later stage measures "change seen -> my
 * step" on the same host clock.
 *
 * The times travel in a sidecar, `rendered/changes.json`, not in the version: versions
 * are content-addressed, and a timestamp inside one would make equal output publish a
 * new version. The sidecar names the version it belongs to; it is written just before
 * `current` swaps, so a reader that sees version V and a sidecar naming V knows the
 * times are V's; a sidecar naming another version (a newer one already, or a renderer
 * that wrote none) is ignored.
 */
export const CHANGES_FILE = 'changes.json';

/** At most this many changes travel with one version (the oldest are kept: they waited longest). */
export const MAX_CHANGES = 32;

/** Histogram buckets (seconds) for "change seen -> step" latencies, 5 ms .. 10 s. */
export const CHANGE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10];

/** One data change, as the renderer first saw it. */
export interface ChangeSeen {
  /** The query id (`health.service:web`, `kv.get:...`), or `templates` for a new templates version. */
  query: string;
  /** X-Consul-Index of the answer that carried the change, when there was one. */
  index: string | null;
  /** Unix ms when the answer arrived. */
  seenAt: number;
}

/** `rendered/changes.json`: the changes a rendered version carries and the renderer's marks, Unix ms. */
export interface ChangeRecord {
  version: string;
  changes: ChangeSeen[];
  /** The render pass began (after the quiescence wait). */
  passAt: number;
  /** The render worker answered. */
  renderedAt: number;
  /** The sidecar was written: the version directory and the `current` swap follow. */
  writtenAt: number;
}

const recordSchema = z.object({
  version: z.string().regex(/^[0-9a-f]{1,64}$/),
  changes: z
    .array(z.object({ query: z.string().max(512), index: z.string().max(32).nullable(), seenAt: z.number().finite() }))
    .max(MAX_CHANGES),
  passAt: z.number().finite(),
  renderedAt: z.number().finite(),
  writtenAt: z.number().finite(),
});

/** Adds a change to a pending list, keeping the oldest `MAX_CHANGES` (pure; returns the same array). */
export function noteChange(pending: ChangeSeen[], change: ChangeSeen): ChangeSeen[] {
  if (pending.length < MAX_CHANGES) pending.push(change);
  return pending;
}

/**
 * Writes the sidecar. Not fsynced on purpose: it is a measurement, losing it in a
 * crash costs nothing, and an fsync here would sit in the convergence path it measures.
 */
export async function writeChangeRecord(root: string, record: ChangeRecord): Promise<void> {
  await writeFileAtomic(join(root, CHANGES_FILE), `${JSON.stringify(record)}\n`, { durable: false });
}

/** The sidecar if it belongs to `version`, else null (missing, unreadable, malformed or another version's). */
export async function readChangeRecord(root: string, version: string): Promise<ChangeRecord | null> {
  // Sync on purpose (atomic-file.ts says why).
  const text = readIfExists(join(root, CHANGES_FILE))?.toString('utf8');
  if (text === undefined) return null;
  try {
    const parsed = recordSchema.safeParse(JSON.parse(text));
    return parsed.success && parsed.data.version === version ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Seconds from each change's `seenAt` to `at` (never negative: clocks step). */
export function secondsSince(changes: readonly ChangeSeen[], at: number): number[] {
  return changes.map((c) => Math.max(0, at - c.seenAt) / 1000);
}

/**
 * The breakdown of the oldest change a version carries, ms after it was seen, for the
 * state files and `apictl status`. `marks` are later steps (name -> Unix ms), in order.
 */
export function changeBreakdown(
  record: Pick<ChangeRecord, 'changes'>,
  marks: Record<string, number>,
): { query: string; index: string | null; seenAt: string; changes: number; ms: Record<string, number> } | null {
  const first = oldest(record.changes);
  if (!first) return null;
  const ms: Record<string, number> = {};
  for (const [name, at] of Object.entries(marks)) ms[name] = Math.max(0, Math.round(at - first.seenAt));
  return { query: first.query, index: first.index, seenAt: new Date(first.seenAt).toISOString(), changes: record.changes.length, ms };
}

function oldest(changes: readonly ChangeSeen[]): ChangeSeen | undefined {
  let first: ChangeSeen | undefined;
  for (const c of changes) if (!first || c.seenAt < first.seenAt) first = c;
  return first;
}
