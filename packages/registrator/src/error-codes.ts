import { errorFor } from '@api-server/core';

/**
 * The codes the registrator raises (state file `lastError.code`; `LABELS_REFUSED` is a log code for a refused container).
 * Each code has one meaning, listed in docs/architecture.md "Error codes"; test/static/error-codes.test.ts
 * checks that every code this package raises is here and documented.
 */
export type RegistratorErrorCode =
  | 'CONSUL_REQUEST'
  | 'ENGINE_REQUEST'
  | 'REGISTRATION_FAILED'
  | 'LABELS_REFUSED';

/** A PipelineError with one of this package's codes: every call site raises through it, so a code outside the union does not compile. */
export const registratorError = errorFor<RegistratorErrorCode>();
