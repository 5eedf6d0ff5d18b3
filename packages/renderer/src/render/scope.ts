import { PipelineError } from '@api-server/core/base';
import type { DataView } from '../data-view.js';
import type { Query, QueryValue } from '../queries.js';
import { rendererError, type RendererErrorCode } from '../error-codes.js';

interface Recorder {
  reads: Map<string, { query: Query; value: unknown }>;
  missing: boolean;
}

/** What Handlebars hands a helper as its last argument (only the parts we read). */
export interface HelperOptions {
  name?: string;
  hash: Record<string, unknown>;
  loc?: { start: { line: number; column: number } };
}

/**
 * The state of one render pass, shared by the helpers: which queries the templates
 * asked (the dependencies to watch), which of them have no answer yet, and which file
 * is being rendered (so an error names it, and the partial it happened in).
 */
export class RenderScope {
  readonly dependencies = new Map<string, Query>();
  readonly missing = new Map<string, Query>();
  private readonly files: string[] = [];
  private readonly recorders: Recorder[] = [];

  constructor(readonly data: DataView) {}

  /** Records `query` as a dependency and returns its cached answer (undefined: none yet). */
  lookup<Q extends Query>(query: Q): QueryValue[Q['kind']] | undefined {
    this.dependencies.set(query.id, query);
    const value = this.data.get(query);
    if (value === undefined) this.missing.set(query.id, query);
    for (const r of this.recorders) {
      r.reads.set(query.id, { query, value });
      if (value === undefined) r.missing = true;
    }
    return value;
  }

  /** Runs `fn` and says which answers it read (IterationMemo), and whether one of them was missing. */
  record<T>(fn: () => T): { value: T; reads: Array<{ query: Query; value: unknown }>; missing: boolean } {
    const recorder: Recorder = { reads: new Map(), missing: false };
    this.recorders.push(recorder);
    try {
      const value = fn();
      return { value, reads: [...recorder.reads.values()], missing: recorder.missing };
    } finally {
      this.recorders.splice(this.recorders.indexOf(recorder), 1);
    }
  }

  /**
   * True when every read still gets the same answer (by identity); then the reads are
   * made again, so dependencies, per-template use and enclosing recorders see them as
   * if the cached output had been rendered now. False: nothing was recorded.
   */
  replay(reads: ReadonlyArray<{ query: Query; value: unknown }>): boolean {
    for (const r of reads) if (this.peek(r.query) !== r.value) return false;
    for (const r of reads) this.lookup(r.query);
    return true;
  }

  private peek(query: Query): unknown {
    const data = this.data as DataView & { peek?: (q: Query) => unknown };
    return data.peek ? data.peek(query) : this.data.get(query);
  }

  /** Runs `fn` with `file` as the file being rendered (a template, or a partial inside one). */
  within<T>(file: string, fn: () => T): T {
    this.files.push(file);
    try {
      return fn();
    } finally {
      this.files.pop();
    }
  }

  /** The file being rendered now, and the top-level template when that is a partial. */
  where(): { template: string; includedFrom?: string } {
    const template = this.files.at(-1) ?? '(unknown)';
    const root = this.files[0];
    return root !== undefined && root !== template ? { template, includedFrom: root } : { template };
  }

  /** A typed error for a helper call, naming the file, line and (when given) the argument. */
  helperError(code: RendererErrorCode, message: string, options: HelperOptions | undefined, context: Record<string, unknown> = {}): PipelineError {
    const where = this.where();
    const line = options?.loc?.start.line;
    const prefix = line === undefined ? where.template : `${where.template}:${line}`;
    return rendererError(code, `${prefix}: ${message}`, {
      context: { ...where, ...(line === undefined ? {} : { line, column: options?.loc?.start.column }), ...context },
    });
  }
}
