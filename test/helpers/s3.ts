// One implementation for `apictl-dev` (packages/devkit) and the tests: a real s3rver spoken to by the real SDK.
export { S3Dev } from '../../packages/devkit/src/s3-dev.js';
