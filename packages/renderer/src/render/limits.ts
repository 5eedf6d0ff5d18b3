import { PipelineError } from '@api-server/core/base';
import type Handlebars from 'handlebars';
import { rendererError } from '../error-codes.js';

/** What one render may cost (README, "Render limits"). */
export interface RenderLimits {
  /** Wall-clock budget of one template file in the render worker. */
  timeoutMs: number;
  /** Largest output of one file, bytes. */
  maxFileBytes: number;
  /** Largest sum of freshly rendered outputs in one version, bytes. */
  maxTotalBytes: number;
}

/** Safe defaults: far above a real HAProxy config (1,000 services x 20 servers is ~1.6 MB), far below a disk- or memory-filling one. */
export const DEFAULT_LIMITS: RenderLimits = { timeoutMs: 5_000, maxFileBytes: 32 * 1024 * 1024, maxTotalBytes: 128 * 1024 * 1024 };

/** The error for an output over a cap; `scope` says which cap. */
export function outputTooLarge(template: string, bytes: number, limit: number, scope: 'file' | 'version', extra: Record<string, unknown> = {}): PipelineError {
  const what = scope === 'file' ? 'RENDER_MAX_FILE_BYTES' : 'RENDER_MAX_TOTAL_BYTES';
  const size = bytes > limit ? `more than ${limit} bytes` : `${bytes} bytes`;
  return rendererError('TEMPLATE_OUTPUT_TOO_LARGE', `${template}: output is ${size}, over ${what} (${limit})`, {
    context: { template, limit, limitName: what, ...extra },
  });
}

export function renderTimeout(template: string, timeoutMs: number): PipelineError {
  return rendererError('TEMPLATE_TIMEOUT', `${template}: rendering took longer than RENDER_TIMEOUT_MS (${timeoutMs} ms); stopped`, {
    context: { template, timeoutMs },
  });
}

export function renderMemoryLimit(template: string, heapMb: number): PipelineError {
  return rendererError('TEMPLATE_MEMORY_LIMIT', `${template}: rendering ran out of the render worker's memory (RENDER_WORKER_MAX_HEAP_MB=${heapMb}); stopped`, {
    context: { template, heapMb },
  });
}

/** V8 refuses strings over ~512 MiB with this RangeError: an oversized output, whatever the cap says. */
export function isStringLengthError(err: unknown): boolean {
  return err instanceof RangeError && /Invalid string length/.test(err.message);
}

/**
 * Makes `{{#each}}` stop as soon as the text one loop has built exceeds `maxChars`.
 * Nested loops multiply output (a 3-line template over a 305-key tree reached 600 MB):
 * each loop's text ends up in the file, so a loop over the cap is a file over the cap,
 * found while it grows instead of after the whole string was built. String length
 * counts UTF-16 units, never more than UTF-8 bytes, so this check is never too strict;
 * the exact byte count is checked on the finished file.
 */
export function guardEach(hb: typeof Handlebars, maxChars: number, onOver: (chars: number) => never): void {
  const each = hb.helpers['each'] as Handlebars.HelperDelegate;
  hb.registerHelper('each', function (this: unknown, context: unknown, options: Handlebars.HelperOptions) {
    if (!options || typeof options.fn !== 'function') return each.call(this, context, options);
    let total = 0;
    const inner = options.fn;
    // Two named parameters, not `...args`: `each` calls its body with (item, {data, blockParams}),
    // and a rest array per iteration was garbage on every pass (V8 without TurboFan, as deployed).
    const fn = Object.assign(function (this: unknown, item: unknown, opts: unknown) {
      const out = (inner as (item: unknown, opts: unknown) => string).call(this, item, opts);
      total += out.length;
      if (total > maxChars) onOver(total);
      return out;
    }, inner);
    return each.call(this, context, { ...options, fn });
  });
}
