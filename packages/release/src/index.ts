export { CURRENT_KEY, RELEASES_PREFIX, isReleaseId, releaseFolder, releaseMetaKey, releaseOfKey } from './layout.js';
export { MAX_CURRENT_BYTES, currentSchema, parseCurrent } from './current.js';
export { parseS3Url, type S3Location } from './location.js';
export { parseS3Env, s3EnvShape } from './env.js';
export { createS3Client } from './client.js';
