import { changeBreakdown, noteChange, secondsSince, writeChangeRecord, type ChangeRecord, type ChangeSeen } from '@api-server/core';
import type { Logger } from '@api-server/core';
import type { RendererMetrics } from './metrics.js';

/**
 * The changes (Consul answers, templates) seen since the last pass, and what becomes of
 * them: a pass takes them; a published version carries them (`rendered/changes.json`)
 * and observes the per-stage histograms; a pass that publishes nothing (same bytes)
 * drops them; a pass that fails or waits gives them back to the next one.
 */
export class ChangeTimes {
  private pending: ChangeSeen[] = [];

  constructor(
    private readonly metrics: RendererMetrics,
    private readonly now: () => number = Date.now,
  ) {}

  /** A change arrived now. */
  seen(query: string, index: string | undefined): void {
    noteChange(this.pending, { query, index: index ?? null, seenAt: this.now() });
  }

  /** The changes this pass renders (the pending list starts over). */
  take(): ChangeSeen[] {
    const taken = this.pending;
    this.pending = [];
    return taken;
  }

  /** A pass that did not get to publish: its changes wait for the next (oldest first). */
  giveBack(changes: ChangeSeen[]): void {
    const later = this.pending;
    this.pending = [];
    for (const c of [...changes, ...later]) noteChange(this.pending, c);
  }

  /** Writes the sidecar for a version about to be published; a failure costs only the measurement, never the publish. */
  async write(root: string, record: ChangeRecord, log: Logger): Promise<void> {
    await writeChangeRecord(root, record).catch((err: unknown) => log.warn({ err }, 'could not write rendered/changes.json: this version carries no change times'));
  }

  /** A version went live in `rendered/current`: observe every change it carries; the breakdown for the state file. */
  published(record: ChangeRecord, publishedAt: number): (NonNullable<ReturnType<typeof changeBreakdown>> & { version: string }) | null {
    const { changes } = record;
    for (const s of secondsSince(changes, record.passAt)) this.metrics.changeToPass.observe(s);
    for (const s of secondsSince(changes, record.renderedAt)) this.metrics.changeToRender.observe(s);
    for (const s of secondsSince(changes, publishedAt)) this.metrics.changeToPublish.observe(s);
    const breakdown = changeBreakdown(record, { passStart: record.passAt, rendered: record.renderedAt, published: publishedAt });
    return breakdown && { ...breakdown, version: record.version };
  }
}
