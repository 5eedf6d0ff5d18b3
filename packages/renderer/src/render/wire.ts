import { bytes, PipelineError, describeError } from '@api-server/core/base';
import type { VersionFile } from '@api-server/core';
import type { CatalogFixture } from '../data-view.js';
import type { RenderOptions, RenderResult } from './render-tree.js';

/**
 * What the renderer's main thread and its render worker say to each other. Everything
 * is plain data (structured clone): errors travel as `{code, message, context}`.
 */

/** Fixed at spawn (workerData): the render options and the per-file output cap. */
export interface WorkerInit {
  render: Pick<RenderOptions, 'env' | 'envAllow' | 'node' | 'maxFileBytes'>;
}

/** One render request; `templates`, `fixture` and the cache delta are sent only when they changed. */
export interface RenderRequest {
  type: 'render';
  seq: number;
  templates?: { id: string; files: VersionFile[] };
  /** A fixture to answer every query from; null: back to the cache. */
  fixture?: CatalogFixture | null;
  /** Query id -> answer, changed since the last request (the worker keeps the rest). */
  set: Array<[string, unknown]>;
  /** Query ids dropped from the cache. */
  del: string[];
  skip: string[];
}

export type WorkerMessage = { type: 'start'; seq: number; template: string } | { type: 'result'; seq: number; result: WireResult };

export interface WireError {
  code: string;
  message: string;
  context: Record<string, unknown>;
  /** The message of the underlying error (a Handlebars parse error's excerpt: `apictl validate` finds the column in it). */
  cause?: string;
}

export type WireResult = Omit<RenderResult, 'errors' | 'failed'> & {
  errors: WireError[];
  /** `error` indexes `errors`. */
  failed: Array<{ template: string; output: string; error: number }>;
  /** `dependencies` and `usedBy` are those of the worker's previous result (sent empty). */
  sameDependencies?: true;
};

/** What the two threads remember of the last result, to send the dependency lists only when they change. */
export type DependencyLists = Pick<RenderResult, 'dependencies' | 'usedBy'>;

/**
 * True when `next` asked exactly the queries of `last` (by id, in order) and every
 * template read the same ids. Usually so: a health flip changes answers, not which
 * queries the templates ask, and cloning 1,000 queries and their template lists through
 * postMessage on every pass (then walking them again on the main thread) was a good
 * part of a pass's garbage at 1,000 services.
 */
export function sameDependencies(next: DependencyLists, last: DependencyLists | undefined): boolean {
  if (!last || next.dependencies.length !== last.dependencies.length) return false;
  for (let i = 0; i < next.dependencies.length; i++) if (next.dependencies[i]!.id !== last.dependencies[i]!.id) return false;
  const templates = Object.keys(next.usedBy);
  if (templates.length !== Object.keys(last.usedBy).length) return false;
  for (const template of templates) {
    const a = next.usedBy[template]!;
    const b = last.usedBy[template];
    if (!b || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  }
  return true;
}

/** The result as the worker sends it; with `last` (its previous result's lists), unchanged dependency lists are left out. */
export function toWire(result: RenderResult, last?: DependencyLists): WireResult {
  const errors = result.errors.map((e): WireError => {
    const d = describeError(e);
    const cause = e.cause instanceof Error ? { cause: e.cause.message } : {};
    return { code: d.code ?? 'TEMPLATE_RENDER', message: d.message, context: d.context ?? {}, ...cause };
  });
  // renderTree lists every failure's error in `errors` (once), so the index always exists.
  const failed = result.failed.map((f) => ({ template: f.template, output: f.output, error: result.errors.indexOf(f.error) }));
  if (sameDependencies(result, last)) return { ...result, dependencies: [], usedBy: {}, errors, failed, sameDependencies: true };
  return { ...result, errors, failed };
}

/**
 * The result on the main thread. Lists the worker left out are `last`'s, the very same
 * objects: the renderer then skips the work that depends on them alone (by identity).
 */
export function fromWire(wire: WireResult, last?: DependencyLists): RenderResult {
  // Rebuilds errors raised (through rendererError) in the worker: the code crossed the thread boundary as a string.
  const errors = wire.errors.map((e) => new PipelineError(e.code, e.message, { context: e.context, ...(e.cause === undefined ? {} : { cause: new Error(e.cause) }) }));
  const { sameDependencies: same, ...result } = wire;
  if (same && !last) throw new PipelineError('RENDER_WORKER', 'the render worker referred to dependency lists this thread does not hold');
  return {
    ...result,
    ...(same && last ? { dependencies: last.dependencies, usedBy: last.usedBy } : {}),
    files: wire.files.map((f) => ({ ...f, data: bytes(f.data) })),
    errors,
    failed: wire.failed.map((f) => ({ template: f.template, output: f.output, error: errors[f.error] as PipelineError })),
  };
}
