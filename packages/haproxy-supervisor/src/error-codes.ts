import { errorFor } from '@api-server/core';

/**
 * The codes haproxy-supervisor raises (state file `lastError.code`).
 * Each code has one meaning, listed in docs/architecture.md "Error codes"; test/static/error-codes.test.ts
 * checks that every code this package raises is here and documented.
 */
export type SupervisorErrorCode =
  | 'HAPROXY_CHECK_FAILED'
  | 'POLICY_VIOLATION'
  | 'RENDERED_UNREADABLE'
  | 'RELOAD_FAILED'
  | 'HAPROXY_START_FAILED'
  | 'HAPROXY_EXITED'
  | 'HAPROXY_CLI_UNAVAILABLE'
  | 'HAPROXY_CLI_TIMEOUT'
  | 'HAPROXY_CLI_UNSAFE_COMMAND'
  | 'HAPROXY_CLI_ANSWER';

/** A PipelineError with one of this package's codes (new code should use it instead of `new PipelineError`). */
export const supervisorError = errorFor<SupervisorErrorCode>();
