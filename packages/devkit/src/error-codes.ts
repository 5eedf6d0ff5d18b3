import { errorFor } from '@api-server/core';

/**
 * The codes apictl dev (packages/devkit) raises.
 * Each code has one meaning, listed in docs/architecture.md "Error codes"; test/static/error-codes.test.ts
 * checks that every code this package raises is here and documented.
 */
export type DevkitErrorCode =
  | 'CONTAINERS_NO_COMMAND'
  | 'CONTAINERS_NO_DAEMONSET'
  | 'CONTAINERS_QUANTITY'
  | 'CONTAINERS_ROOT'
  | 'CONTAINERS_UNKNOWN_VOLUME'
  | 'CONTAINERS_VOLUME_KIND'
  | 'DEV_CONFIGMAP_KEY'
  | 'DEV_ENV_SOURCE'
  | 'DEV_FIELDREF'
  | 'DEV_MANIFEST_INVALID'
  | 'DEV_NOT_RUNNING'
  | 'DEV_NO_COMMAND'
  | 'DEV_NO_DAEMONSET'
  | 'DEV_PORT_BUSY'
  | 'DEV_REGISTER_FAILED'
  | 'DEV_TEMPLATES_INVALID'
  | 'DEV_TEMPLATES_MISSING'
  | 'DEV_UNKNOWN_VOLUME'
  | 'KUSTOMIZE_PATCH_NO_TARGET'
  | 'KUSTOMIZE_READ'
  | 'KUSTOMIZE_UNSUPPORTED'
  | 'KUSTOMIZE_YAML';

/** A PipelineError with one of this package's codes: every call site raises through it, so a code outside the union does not compile. */
export const devkitError = errorFor<DevkitErrorCode>();
