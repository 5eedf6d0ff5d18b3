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
};

export function toWire(result: RenderResult): WireResult {
  const errors = result.errors.map((e): WireError => {
    const d = describeError(e);
    const cause = e.cause instanceof Error ? { cause: e.cause.message } : {};
    return { code: d.code ?? 'TEMPLATE_RENDER', message: d.message, context: d.context ?? {}, ...cause };
  });
  // renderTree lists every failure's error in `errors` (once), so the index always exists.
  const failed = result.failed.map((f) => ({ template: f.template, output: f.output, error: result.errors.indexOf(f.error) }));
  return { ...result, errors, failed };
}

export function fromWire(wire: WireResult): RenderResult {
  // Rebuilds errors raised (through rendererError) in the worker: the code crossed the thread boundary as a string.
  const errors = wire.errors.map((e) => new PipelineError(e.code, e.message, { context: e.context, ...(e.cause === undefined ? {} : { cause: new Error(e.cause) }) }));
  return {
    ...wire,
    files: wire.files.map((f) => ({ ...f, data: bytes(f.data) })),
    errors,
    failed: wire.failed.map((f) => ({ template: f.template, output: f.output, error: errors[f.error] as PipelineError })),
  };
}
