// The S3 reading code, for reuse (e.g. a later `apictl publish --verify`); the component itself is main.ts.
export { keyToPath, unsafeReason, isFolderMarker, type UnsafeKeyReason } from './keys.js';
export { planTree, diffObjects, normalizeEtag, type ListedObject, type PlannedObject, type TreeLimits, type CachedFile } from './plan.js';
export { listAll, getObject, decodeListedKey, s3Failure, type GetResult, type RequestHook } from './sources/s3-api.js';
export { parseSourceUrl, envShape, type SourceLocation, type S3SyncEnv } from './config.js';
export { S3ReleaseSource, listingSignature, type S3ReleaseOptions } from './sources/s3-release.js';
export { DirectorySource } from './sources/directory.js';
export { cacheFromFiles, type SyncedTree, type SourceHooks } from './tree.js';
