import { PipelineError } from '@api-server/core';
import type { DataView } from '../data-view.js';
import type { Query, QueryValue } from '../queries.js';
import { rendererError, type RendererErrorCode } from '../error-codes.js';

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

  constructor(readonly data: DataView) {}

  /** Records `query` as a dependency and returns its cached answer (undefined: none yet). */
  lookup<Q extends Query>(query: Q): QueryValue[Q['kind']] | undefined {
    this.dependencies.set(query.id, query);
    const value = this.data.get(query);
    if (value === undefined) this.missing.set(query.id, query);
    return value;
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
