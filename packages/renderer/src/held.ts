import { backoffDelay, type BackoffOptions, type PipelineError } from '@api-server/core';
import { outputTooLarge } from './render/limits.js';
import type { FileFailure, RenderedFile } from './render/render-tree.js';

/**
 * Per-file isolation, as pure planning: a template that fails is *held* at its last good
 * output while every other file is published. Which outputs are held, since when and
 * why; which expensive failures are not retried on every pass. No I/O here.
 */

/** One held output (state file `held[]`, manifest `held[]`). */
export interface Hold {
  /** The output path held (`50-web.cfg`). */
  file: string;
  /** The template that failed to produce it. */
  template: string;
  /** ISO time the hold started (a change of reason keeps it). */
  since: string;
  code: string;
  reason: string;
  line?: number;
  /** Templates version the failure was seen with. */
  templates: string;
  /** Consecutive failed attempts of a costly template (timeout, memory): sets `retryAt`. */
  attempts: number;
  /** Costly failures are not rendered again before this time (ms), unless the templates change. */
  retryAt?: number;
}

/**
 * Failures that cost a whole time budget, a worker, or tens of MB of output before they
 * are caught: not rendered again on every pass (that would delay every other file's
 * update), only when the templates or the template's own inputs change, or at its
 * retry time (a timeout can depend on the machine's load).
 */
const COSTLY = new Set(['TEMPLATE_TIMEOUT', 'TEMPLATE_MEMORY_LIMIT', 'TEMPLATE_OUTPUT_TOO_LARGE']);

/** True when `code` is retried with backoff rather than on every pass. */
export function isCostly(code: string): boolean {
  return COSTLY.has(code);
}

/** True when some answer a template read changed since `seen` (answers are replaced, never mutated). */
export function inputsChanged(seen: ReadonlyMap<string, unknown>, answers: ReadonlyMap<string, unknown>): boolean {
  for (const [id, value] of seen) if (answers.get(id) !== value) return true;
  return false;
}
const COSTLY_RETRY: BackoffOptions = { initialMs: 30_000, maxMs: 300_000, factor: 2 };

/** Templates not to render this pass: costly holds still waiting for their retry time under the same templates. */
export function templatesToSkip(holds: readonly Hold[], templatesId: string, now: number): Set<string> {
  return new Set(holds.filter((h) => h.retryAt !== undefined && h.retryAt > now && h.templates === templatesId).map((h) => h.template));
}

/** The earliest retry time among the holds, to schedule a pass for it. */
export function nextRetry(holds: readonly Hold[]): number | undefined {
  const times = holds.map((h) => h.retryAt).filter((t): t is number => t !== undefined);
  return times.length === 0 ? undefined : Math.min(...times);
}

/**
 * Rendered files in path order against the per-version cap: a file that would take the
 * version's total over `maxTotalBytes` fails (and is held); later smaller files may fit.
 * Copied files count too; held last-good copies do not (they were published under a cap).
 */
export function applyTotalCap(files: readonly RenderedFile[], maxTotalBytes: number): { files: RenderedFile[]; failed: FileFailure[] } {
  let total = 0;
  const kept: RenderedFile[] = [];
  const failed: FileFailure[] = [];
  for (const file of files) {
    if (total + file.data.length > maxTotalBytes) {
      const template = file.template ?? file.path;
      failed.push({ template, output: file.path, error: outputTooLarge(template, total + file.data.length, maxTotalBytes, 'version', { fileBytes: file.data.length }) });
      continue;
    }
    total += file.data.length;
    kept.push(file);
  }
  return { files: kept, failed };
}

/**
 * The holds after a pass: every failure holds its output (keeping `since` when it was
 * already held), a skipped template keeps its hold, everything else is cleared.
 */
export function planHolds(
  previous: readonly Hold[],
  pass: { failed: readonly FileFailure[]; skipped: ReadonlySet<string>; templatesId: string; now: number },
  random: () => number = Math.random,
): { holds: Hold[]; started: Hold[]; cleared: Hold[] } {
  const before = new Map(previous.map((h) => [h.file, h]));
  const holds: Hold[] = [];
  const started: Hold[] = [];
  for (const f of pass.failed) {
    if (holds.some((h) => h.file === f.output)) continue;
    const old = before.get(f.output);
    const costly = COSTLY.has(f.error.code);
    const attempts = costly ? (old && COSTLY.has(old.code) ? old.attempts + 1 : 1) : 0;
    const hold: Hold = {
      file: f.output,
      template: f.template,
      since: old?.since ?? new Date(pass.now).toISOString(),
      code: f.error.code,
      reason: f.error.message,
      ...lineOf(f.error),
      templates: pass.templatesId,
      attempts,
      ...(costly ? { retryAt: pass.now + backoffDelay(attempts, COSTLY_RETRY, random) } : {}),
    };
    holds.push(hold);
    if (!old || old.code !== hold.code || old.reason !== hold.reason) started.push(hold);
  }
  for (const old of previous) {
    if (pass.skipped.has(old.template) && !holds.some((h) => h.file === old.file)) holds.push(old);
  }
  const cleared = previous.filter((old) => !holds.some((h) => h.file === old.file));
  holds.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { holds, started, cleared };
}

function lineOf(error: PipelineError): { line?: number } {
  const line = error.context['line'];
  return typeof line === 'number' ? { line } : {};
}

/** The state file's and the log's view of a hold (no internal scheduling fields). */
export function describeHold(h: Hold): { file: string; template: string; since: string; code: string; reason: string; line?: number } {
  return { file: h.file, template: h.template, since: h.since, code: h.code, reason: h.reason, ...(h.line === undefined ? {} : { line: h.line }) };
}

/**
 * The files of the version to publish: the fresh outputs, minus every held output, plus
 * the last good bytes of the held ones that had some (`manifest.json` is never kept: it
 * is the renderer's own). Sorted by path.
 */
export function withHeldOutputs(
  files: readonly RenderedFile[],
  holds: readonly Hold[],
  lastGood: ReadonlyMap<string, Buffer>,
): { files: RenderedFile[]; held: Array<{ path: string; template: string; code: string; kept: boolean }> } {
  const heldPaths = new Set(holds.map((h) => h.file));
  const out = files.filter((f) => !heldPaths.has(f.path));
  const held = holds.map((h) => {
    const data = h.file === 'manifest.json' ? undefined : lastGood.get(h.file);
    if (data) out.push({ path: h.file, data, template: h.template });
    return { path: h.file, template: h.template, code: h.code, kept: data !== undefined };
  });
  out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files: out, held };
}
