import { errorFor } from '@api-server/core';

/**
 * The codes the metrics sidecar raises (state file `lastError.code`).
 * Each code has one meaning, listed in docs/architecture.md "Error codes"; test/static/error-codes.test.ts
 * checks that every code this package raises is here and documented.
 */
export type MetricsErrorCode =
  | 'STATS_SOCKET_TIMEOUT'
  | 'STATS_SOCKET_UNREACHABLE';

/** A PipelineError with one of this package's codes: every call site raises through it, so a code outside the union does not compile. */
export const metricsError = errorFor<MetricsErrorCode>();
