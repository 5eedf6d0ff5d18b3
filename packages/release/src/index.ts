export { CURRENT_KEY, RELEASE_ID, RELEASES_PREFIX, isReleaseId, releaseFolder, releaseMetaKey, releaseOfKey } from './layout.js';
export { MAX_CURRENT_BYTES, currentSchema, parseCurrent, type CurrentPointer } from './current.js';
export { parseS3Url, type S3Location } from './location.js';
export { parseS3Env, s3EnvShape, type S3Env } from './env.js';
export { FALLBACK_REGION, S3_TIMEOUTS, createS3Client } from './client.js';
export { releaseError, type ReleaseErrorCode } from './errors.js';
