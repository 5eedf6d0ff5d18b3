import { errorFor } from '@api-server/core/base';

/**
 * The codes the renderer raises (state file `lastError.code`, `errors[]`, `held[].code`).
 * Each code has one meaning, listed in docs/architecture.md "Error codes"; test/static/error-codes.test.ts
 * checks that every code this package raises is here and documented.
 */
export type RendererErrorCode =
  | 'TEMPLATE_PARSE'
  | 'TEMPLATE_RENDER'
  | 'TEMPLATE_HELPER'
  | 'TEMPLATE_ENV_DENIED'
  | 'TEMPLATE_ENV_MISSING'
  | 'TEMPLATE_KEY_MISSING'
  | 'TEMPLATE_KV_PATH'
  | 'TEMPLATE_TIMEOUT'
  | 'TEMPLATE_MEMORY_LIMIT'
  | 'TEMPLATE_OUTPUT_TOO_LARGE'
  | 'TEMPLATE_OUTPUT_CONFLICT'
  | 'RENDER_WORKER'
  | 'CONSUL_REQUEST'
  | 'CONSUL_KV_PATH'
  | 'CONSUL_SERVICE_NAME';

/** A PipelineError with one of this package's codes: every call site raises through it, so a code outside the union does not compile. */
export const rendererError = errorFor<RendererErrorCode>();
