/**
 * Every failure an operator may see is one of these: a fixed `code` to alert and grep
 * on, a message that names the thing at fault, and the context (template and line,
 * S3 key, Consul query) as separate fields so logs and state files keep them apart.
 */
export class PipelineError<C extends string = string> extends Error {
  readonly code: C;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: C, message: string, options: PipelineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PipelineError';
    this.code = code;
    this.context = Object.freeze({ ...(options.context ?? {}) });
  }
}

/** What a PipelineError carries besides its code and message. */
export interface PipelineErrorOptions {
  cause?: unknown;
  context?: Record<string, unknown>;
}

/**
 * A PipelineError constructor bound to one package's code union, so a package can
 * only raise its own codes (each listed, with its meaning, in docs/architecture.md
 * "Error codes"): `export const syncError = errorFor<S3SyncErrorCode>();` then
 * `throw syncError(code, ...)` with a code of that union. A typo or another package's code is a
 * compile error.
 */
export function errorFor<C extends string>(): (code: C, message: string, options?: PipelineErrorOptions) => PipelineError<C> {
  return (code, message, options) => new PipelineError<C>(code, message, options);
}

/** True for the error an AbortSignal raises: a cancelled step is not a failure. */
export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || (err as { code?: unknown }).code === 'ABORT_ERR');
}

/** A plain description of any thrown value, for state files and metrics. */
export function describeError(err: unknown): { message: string; code?: string; context?: Record<string, unknown> } {
  if (err instanceof PipelineError) {
    return { message: err.message, code: err.code, context: { ...err.context } };
  }
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? { message: err.message, code } : { message: err.message };
  }
  return { message: String(err) };
}

/**
 * The codes core itself raises: `CONFIG_INVALID` (the environment failed its schema at
 * start: exit 2, a contract) and `UNSAFE_PATH` (a version file path that would leave
 * its directory).
 */
export type CoreErrorCode = 'CONFIG_INVALID' | 'UNSAFE_PATH';

/** A PipelineError with one of core's codes. */
export const coreError = errorFor<CoreErrorCode>();
