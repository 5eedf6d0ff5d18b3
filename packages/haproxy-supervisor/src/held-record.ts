import type { Logger } from '@api-server/core';
import type { Gauge } from 'prom-client';
import type { Candidate } from './candidate.js';
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
