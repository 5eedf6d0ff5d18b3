import { errorFor } from '@api-server/core';

/**
 * The codes this package raises (docs/architecture.md, "Error codes"):
 * - `CURRENT_INVALID`: a CURRENT body that is not a pointer to a safe release id.
 * - `S3_ENV_INVALID`: S3_ENDPOINT, S3_FORCE_PATH_STYLE or AWS_REGION malformed (apictl; s3-sync
 *   validates them with the rest of its environment and exits 2 with CONFIG_INVALID).
 */
export type ReleaseErrorCode = 'CURRENT_INVALID' | 'S3_ENV_INVALID';

export const releaseError = errorFor<ReleaseErrorCode>();
