import { errorFor } from '@api-server/core';

/**
 * The codes log-shipper raises (state file `lastError.code`).
 * Each code has one meaning, listed in docs/architecture.md "Error codes"; test/static/error-codes.test.ts
 * checks that every code this package raises is here and documented.
 */
export type LogShipperErrorCode =
  | 'LOG_FILE_OPEN_FAILED'
  | 'LOG_FILE_WRITE_FAILED'
  | 'LOG_ROTATE_FAILED'
  | 'LOG_COMPRESS_FAILED'
  | 'SINK_HTTP_STATUS'
  | 'SINK_HTTP_UNREACHABLE';

/** A PipelineError with one of this package's codes: every call site raises through it, so a code outside the union does not compile. */
export const logShipperError = errorFor<LogShipperErrorCode>();
