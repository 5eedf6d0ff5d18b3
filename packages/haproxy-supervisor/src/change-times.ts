import { changeBreakdown, readChangeRecord, secondsSince, type ChangeRecord } from '@api-server/core';
import type { SupervisorMetrics } from './metrics.js';

/** A rendered version as the supervisor met it: when it saw it, and the renderer's change times if it carries any. */
interface Seen {
  rendered: string;
  seenAt: number;
  record: ChangeRecord | null;
}

/**
 * The supervisor's end of the change timeline (core `change-timing.ts`): when a rendered
 * version is seen, it reads the renderer's sidecar for it; when that version is applied
 * (runtime API answered, reload confirmed, HAProxy started) it observes
 * `haproxy_supervisor_change_to_apply_seconds{method}` per change and gives the
 * breakdown of the oldest change for the state file.
 */
export class ChangeTimes {
  private seen = new Map<string, number>();
  private current: Seen | null = null;

  constructor(
    private readonly renderedRoot: string,
    private readonly metrics: SupervisorMetrics,
    private readonly now: () => number = Date.now,
  ) {}

  /** The watch delivered `rendered` now (the first time counts). */
  offered(rendered: string): void {
    if (!this.seen.has(rendered)) this.seen.set(rendered, this.now());
    // Only versions still waiting matter; a burst never grows this past a few entries.
    if (this.seen.size > 16) this.seen.delete(this.seen.keys().next().value!);
  }

  /** An apply of `rendered` begins: fetch its times (null when it carries none). */
  async applying(rendered: string): Promise<void> {
    const seenAt = this.seen.get(rendered) ?? this.now();
    this.seen.delete(rendered);
    const record = await readChangeRecord(this.renderedRoot, rendered);
    this.current = { rendered, seenAt, record };
    if (record) for (const s of secondsSince(record.changes, seenAt)) this.metrics.changeToSeen.observe(s);
  }

  /** `rendered` is running in HAProxy by `method`: observe, and the state file's `lastChange` (null when no times). */
  applied(rendered: string, method: 'runtime' | 'reload' | 'start'): Record<string, unknown> | null {
    const at = this.now();
    const cur = this.current;
    if (!cur || cur.rendered !== rendered || !cur.record) return null;
    this.current = null;
    const { record } = cur;
    for (const s of secondsSince(record.changes, at)) this.metrics.changeToApply.observe({ method }, s);
    const breakdown = changeBreakdown(record, { passStart: record.passAt, rendered: record.renderedAt, supervisorSaw: cur.seenAt, applied: at });
    return breakdown && { ...breakdown, version: rendered, method };
  }
}
