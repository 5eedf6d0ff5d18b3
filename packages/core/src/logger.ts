import { pino, type Logger } from 'pino';
import { PipelineError } from './errors.js';

export type { Logger };

/**
 * JSON lines on stdout. Errors are serialised with their code and context as fields,
 * not interpolated into the message, so a log query can select on them.
 */
export function createLogger(component: string, level = 'info'): Logger {
  return pino({
    level,
    base: { component },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    serializers: {
      err: (err: unknown) => {
        const base = pino.stdSerializers.err(err as Error);
        if (err instanceof PipelineError) return { ...base, code: err.code, context: err.context };
        return base;
      },
    },
  });
}
