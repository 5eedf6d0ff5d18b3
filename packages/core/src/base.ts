/**
 * The parts of core that load no third-party module (no pino, prom-client or zod):
 * errors and byte views. The renderer's render worker imports these and nothing
 * else from core: a worker is its own V8 heap, and the whole of core there cost 9 MB of
 * it (RSS counts it once per worker), for a few small functions.
 */
export { PipelineError, errorFor, describeError, type PipelineErrorOptions } from './errors.js';
export { bytes } from './bytes.js';
