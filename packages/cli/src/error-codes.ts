import { errorFor } from '@api-server/core';

/**
 * Every code apictl raises as a PipelineError (docs/architecture.md, "Error codes"),
 * printed as `apictl <command>: <message> [CODE]`. Diagnostics about templates
 * (`LINT_*`, `HAPROXY_*`, `POLICY_*`) are findings, not errors, and are not listed here.
 * The release package's `CURRENT_INVALID` and `S3_ENV_INVALID` reach apictl too.
 */
export type CliErrorCode =
  | 'USAGE'
  | 'TARGET_MISSING'
  | 'TARGET_INVALID'
  | 'S3_REQUEST_FAILED'
  | 'CURRENT_CHANGED'
  | 'RELEASE_ID_INVALID'
  | 'RELEASE_INCOMPLETE'
  | 'RELEASE_NOT_FOUND'
  | 'REPO_NOT_FOUND'
  | 'CATALOG_UNREADABLE'
  | 'CATALOG_INVALID'
  | 'CONSUL_ADDR_INVALID'
  | 'CONSUL_UNREACHABLE'
  | 'HAPROXY_NOT_FOUND'
  | 'GEOIP_CSV_HEADER'
  | 'GEOIP_CSV_SYNTAX'
  | 'GEOIP_BAD_NETWORK'
  | 'GEOIP_BAD_RANGE'
  | 'GEOIP_BAD_COUNTRY'
  | 'GEOIP_UNKNOWN_LOCATION'
  | 'GEOIP_OVERLAP';

/** A PipelineError with one of apictl's codes. */
export const cliError = errorFor<CliErrorCode>();
