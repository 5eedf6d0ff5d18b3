import { boolFromEnv, z } from '@api-server/core';
import { releaseError } from './error-codes.js';

/**
 * The S3 variables s3-sync and apictl both read, so one environment serves both:
 * `S3_ENDPOINT` (an S3-compatible server), `S3_FORCE_PATH_STYLE`, `AWS_REGION`
 * (optional: the SDK's own chain applies, then us-east-1; see `createS3Client`).
 */
export const s3EnvShape = {
  S3_ENDPOINT: z.url().optional(),
  S3_FORCE_PATH_STYLE: boolFromEnv.default(false),
  AWS_REGION: z.string().min(1).optional(),
};

export type S3Env = { S3_ENDPOINT?: string; S3_FORCE_PATH_STYLE: boolean; AWS_REGION?: string };

/**
 * Reads the S3 variables from `env` alone (apictl: the rest of its environment is not
 * a component's). Throws `S3_ENV_INVALID` naming each variable at fault and its value.
 */
export function parseS3Env(env: NodeJS.ProcessEnv): S3Env {
  const input = Object.fromEntries(Object.keys(s3EnvShape).flatMap((k) => (env[k] ? [[k, env[k]]] : [])));
  const result = z.object(s3EnvShape).safeParse(input);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${String(i.path[0])}: ${i.message} (got "${input[String(i.path[0])] ?? ''}")`);
    throw releaseError('S3_ENV_INVALID', `invalid environment: ${issues.join('; ')}`, { context: { variables: result.error.issues.map((i) => String(i.path[0])) } });
  }
  return result.data;
}
