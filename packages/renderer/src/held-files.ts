import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assertSafeRelativePath, PipelineError, readCurrent, type Logger } from '@api-server/core';
import { describeHold, inputsChanged, isCostly, nextRetry, planHolds, templatesToSkip, type Hold } from './held.js';
import type { RendererMetrics } from './metrics.js';
import type { FileFailure, RenderResult } from './render/render-tree.js';

/**
 * The renderer's held files across passes: plans them (held.ts), records each start and
 * end once (log, metrics), remembers which queries each template read so a held
 * template's watches stay, and reads held outputs' last good bytes from
 * `rendered/current`.
 */
export class HeldFiles {
  private holds: Hold[] = [];
  /** The failure behind each hold, from the pass that saw it (its full context). */
  private readonly errors = new Map<string, PipelineError>();
  /** Template -> query ids it read (kept across passes while it is held). */
  private readonly used = new Map<string, Set<string>>();
  /** Costly held template -> the answers it read when it failed (by identity). */
  private readonly inputs = new Map<string, Map<string, unknown>>();
  /** The last pass's lists and the set it kept, when nothing was held: the same lists again keep the same set (the same object). */
  private lastLists: { usedBy: RenderResult['usedBy']; dependencies: RenderResult['dependencies']; keep: Set<string> } | undefined;

  constructor(private readonly o: { rendered: string; log: Logger; metrics: RendererMetrics }) {}

  get list(): readonly Hold[] {
    return this.holds;
  }

  /** Costly templates that wait for their retry time, unless something they read changed. */
  skip(templatesId: string, answers: ReadonlyMap<string, unknown>): Set<string> {
    const skip = templatesToSkip(this.holds, templatesId, Date.now());
    for (const template of skip) {
      const seen = this.inputs.get(template);
      if (seen && inputsChanged(seen, answers)) skip.delete(template);
    }
    return skip;
  }

  /** When a skipped template should be tried again (ms epoch), if any. */
  nextRetry(): number | undefined {
    return nextRetry(this.holds);
  }

  /**
   * Takes a pass's outcome; returns the query ids to keep watching: what rendered
   * templates read now, plus what held templates read when they last got that far.
   * While nothing is held and the pass's lists are the last pass's, the very same set.
   */
  settle(
    result: RenderResult,
    failed: readonly FileFailure[],
    skipped: ReadonlySet<string>,
    templatesId: string,
    answers: ReadonlyMap<string, unknown>,
  ): Set<string> {
    const plan = planHolds(this.holds, { failed, skipped, templatesId, now: Date.now() });
    const heldTemplates = new Set(plan.holds.map((h) => h.template));
    // Nothing held, now or before, and the same lists as last pass (the render worker
    // resends them only when they change): `used` already is what this would rebuild.
    const unchanged = heldTemplates.size === 0 && this.lastLists !== undefined && this.lastLists.usedBy === result.usedBy;
    if (!unchanged) {
      for (const [template, ids] of Object.entries(result.usedBy)) {
        const before = heldTemplates.has(template) ? (this.used.get(template) ?? []) : [];
        this.used.set(template, new Set([...before, ...ids]));
      }
      for (const template of this.used.keys()) if (!(template in result.usedBy) && !heldTemplates.has(template)) this.used.delete(template);
    }
    this.errors.clear();
    for (const f of failed) if (!this.errors.has(f.output)) this.errors.set(f.output, f.error);

    for (const hold of plan.started) {
      this.o.metrics.holdEvents.inc({ code: hold.code });
      this.o.log.error({ err: this.errors.get(hold.file), file: hold.file, template: hold.template, code: hold.code, retryAt: hold.retryAt && new Date(hold.retryAt).toISOString() }, 'template failed: holding its output at the last good version');
    }
    for (const hold of plan.cleared) this.o.log.info({ file: hold.file, template: hold.template, heldSince: hold.since }, 'template renders again: hold cleared');
    this.holds = plan.holds;
    this.o.metrics.held.set(this.holds.length);
    for (const template of this.inputs.keys()) if (!heldTemplates.has(template)) this.inputs.delete(template);
    for (const f of failed) {
      if (isCostly(f.error.code)) this.inputs.set(f.template, new Map([...(this.used.get(f.template) ?? [])].map((id) => [id, answers.get(id)])));
    }

    if (unchanged && this.lastLists!.dependencies === result.dependencies) return this.lastLists!.keep;
    const keep = new Set(result.dependencies.map((q) => q.id));
    for (const template of heldTemplates) for (const id of this.used.get(template) ?? []) keep.add(id);
    this.lastLists = heldTemplates.size === 0 ? { usedBy: result.usedBy, dependencies: result.dependencies, keep } : undefined;
    return keep;
  }

  /** The held outputs as they are in `rendered/current` (absent: never rendered, nothing to keep). */
  async lastGood(): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    if (this.holds.length === 0) return out;
    const current = await readCurrent(this.o.rendered);
    if (!current) return out;
    for (const hold of this.holds) {
      assertSafeRelativePath(hold.file);
      const data = await readFile(join(current.dir, hold.file)).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
      if (data) out.set(hold.file, data);
    }
    return out;
  }

  /** For the state file: `held[]`, and the error that makes the state degraded. */
  report(): { held: ReturnType<typeof describeHold>[]; error: PipelineError | undefined } {
    const first = this.holds[0];
    // A hold carried from an earlier pass (its error is gone): rebuilt from the record, whose code was typed where it was raised.
    const error = first && (this.errors.get(first.file) ?? new PipelineError(first.code, first.reason, { context: { template: first.template, file: first.file, ...(first.line === undefined ? {} : { line: first.line }) } }));
    return { held: this.holds.map(describeHold), error };
  }
}
