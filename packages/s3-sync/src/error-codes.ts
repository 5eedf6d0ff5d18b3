import { errorFor } from '@api-server/core';

/**
 * Every code s3-sync raises (docs/architecture.md, "Error codes"), each with one
 * meaning; they label `s3_sync_errors_total{code}` and the state file's `lastError`.
 * `CURRENT_INVALID` is the release package's (@api-server/release), raised here too
 * for a CURRENT file over the size cap in file mode.
 */
export type S3SyncErrorCode =
  | 'CURRENT_INVALID'
  | 'RELEASE_EMPTY'
  | 'TREE_EMPTY'
  | 'TREE_TOO_LARGE'
  | 'OBJECT_TOO_LARGE'
  | 'OBJECT_CHANGED'
  | 'KEY_CONFLICT'
  | 'UNSAFE_KEY'
  | 'PUBLISH_FAILED'
  | 'S3_UNREACHABLE'
  | 'S3_ACCESS_DENIED'
  | 'S3_NO_SUCH_BUCKET'
  | 'S3_REQUEST_FAILED'
  /** Not raised: the `s3_sync_errors_total{code}` label of a failure that was no PipelineError (a bug). */
  | 'INTERNAL';

/** A PipelineError with one of s3-sync's codes. */
export const syncError = errorFor<S3SyncErrorCode>();
