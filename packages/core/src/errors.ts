/**
 * Every failure an operator may see is one of these: a fixed `code` to alert and grep
 * on, a message that names the thing at fault, and the context (template and line,
 * S3 key, Consul query) as separate fields so logs and state files keep them apart.
 */
export class PipelineError extends Error {
  readonly code: string;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PipelineError';
    this.code = code;
    this.context = Object.freeze({ ...(options.context ?? {}) });
  }
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
