import { readFile } from 'node:fs/promises';
import { z, type Logger, type PipelineError } from '@api-server/core';
import type { Gauge } from 'prom-client';
import type { Candidate } from './candidate.js';
import { supervisorError } from './error-codes.js';
import type { HeldFile } from './hold.js';

/** Held files that are new or changed (code, reason, what runs) in `after`, and files no longer held. Pure. */
export function heldChanges(before: readonly HeldFile[], after: readonly HeldFile[]): { changed: HeldFile[]; cleared: string[] } {
  const key = (h: HeldFile) => `${h.code}\0${h.reason}\0${h.runs}`;
  const previous = new Map(before.map((h) => [h.file, key(h)]));
  return {
    changed: after.filter((h) => previous.get(h.file) !== key(h)),
    cleared: before.filter((h) => !after.some((a) => a.file === h.file)).map((h) => h.file),
  };
}

/**
 * The state file's `lastError` while files are held: the first held file, in the terms
 * the whole-version rejection used (HAPROXY_CHECK_FAILED for `haproxy -c`, POLICY_VIOLATION for
 * the policy), so alerts and `apictl status` keep naming the file and line.
 */
export function heldError(held: readonly HeldFile[], rendered: unknown): PipelineError {
  const first = held[0]!;
  const code = first.code === 'HAPROXY_CHECK' ? 'HAPROXY_CHECK_FAILED' : 'POLICY_VIOLATION';
  const where = `${first.template ?? first.file}${first.line ? `:${first.line}` : ''}`;
  const others = held.length > 1 ? ` (and ${held.length - 1} more held file(s))` : '';
  return supervisorError(code, `${first.file} held at its last good output${first.runs === 'none' ? ' (left out: never live)' : ''}, ${where}: ${first.reason}${others}`, {
    context: { file: first.file, template: first.template, line: first.line, rule: first.code, runs: first.runs, held: held.length, rendered: typeof rendered === 'string' ? rendered : null },
  });
}

const heldState = z.object({
  current: z.string().nullable(),
  held: z.array(
    z.object({ file: z.string(), template: z.string().nullable(), since: z.string(), code: z.string(), reason: z.string(), line: z.number().nullable(), runs: z.enum(['live', 'none']) }),
  ),
});

/**
 * The held files a previous supervisor recorded in its state file for this same live
 * version, so a restart keeps reporting them (and their `since`); none otherwise.
 */
export async function previousHeld(stateFile: string, liveId: string | null): Promise<HeldFile[]> {
  if (liveId === null) return [];
  try {
    const parsed = heldState.safeParse(JSON.parse(await readFile(stateFile, 'utf8')));
    return parsed.success && parsed.data.current === liveId ? parsed.data.held : [];
  } catch {
    return []; // no state file yet, or unreadable: nothing to carry over
  }
}

/**
 * Which files of the live version are held, in one place: the newest planned candidate
 * carries its held files; once that candidate is live they become the live version's
 * (state `held`, the gauge, one log line per change).
 */
export class HeldRecord {
  private held: HeldFile[] = [];
  private planned: Candidate | null = null;

  constructor(private readonly log: Logger, private readonly gauge: Gauge) {}

  /** The live version's held files (the `since` of a file still held carries over). */
  get current(): HeldFile[] {
    return this.held;
  }

  /** At start: the held files of the live version as a previous supervisor left them. */
  restore(held: HeldFile[]): void {
    this.held = held;
    this.gauge.set(held.length);
  }

  /** A candidate was planned, or `haproxy -c` turned `from` into `candidate` by holding more files. */
  planning(candidate: Candidate, from: Candidate | null = null): void {
    if (from === null || this.planned === from) this.planned = candidate;
  }

  /** `liveId` is live now: when it is the planned candidate, its held files are the live ones. */
  live(liveId: string | null): HeldFile[] {
    if (!this.planned || this.planned.id !== liveId) return this.held;
    const { changed, cleared } = heldChanges(this.held, this.planned.held);
    this.held = this.planned.held;
    this.gauge.set(this.held.length);
    for (const h of changed) {
      this.log.warn({ file: h.file, template: h.template, since: h.since, code: h.code, line: h.line, reason: h.reason, runs: h.runs }, h.runs === 'live' ? 'file held at its last good output' : 'file left out: it was never live');
    }
    for (const file of cleared) this.log.info({ file }, 'file no longer held');
    return this.held;
  }
}
