import { boolFromEnv, PipelineError, z } from '@api-server/core';

/** `s3://bucket/prefix`: the prefix normalised to `''` or ending in `/`, as s3-sync's SOURCE_URL. */
export interface S3Target {
  bucket: string;
  prefix: string;
}

export function parseTarget(value: string | undefined, flag = '--to'): S3Target {
  if (!value) throw new PipelineError('TARGET_MISSING', `${flag}: give the release location, s3://bucket/prefix (or set APICTL_TARGET)`);
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(value);
  if (!m) throw new PipelineError('TARGET_INVALID', `${flag}: expected s3://bucket/prefix, got "${value}"`, { context: { value } });
  const bucket = m[1]!;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{2,254}$/.test(bucket)) {
    throw new PipelineError('TARGET_INVALID', `${flag}: bucket name "${bucket}" is not valid (3 to 255 of [A-Za-z0-9._-])`, { context: { value } });
  }
  const trimmed = (m[2] ?? '').replace(/^\/+/, '').replace(/\/+$/, '');
  return { bucket, prefix: trimmed ? `${trimmed}/` : '' };
}

/** The same variables s3-sync reads (docs/architecture.md), so one environment serves both. */
export const s3EnvShape = {
  S3_ENDPOINT: z.url().optional(),
  S3_FORCE_PATH_STYLE: boolFromEnv.default(false),
  AWS_REGION: z.string().min(1).optional(),
};

export type S3Env = { S3_ENDPOINT?: string; S3_FORCE_PATH_STYLE: boolean; AWS_REGION?: string };

export function parseS3Env(env: NodeJS.ProcessEnv): S3Env {
  const input = Object.fromEntries(Object.keys(s3EnvShape).flatMap((k) => (env[k] ? [[k, env[k]]] : [])));
  const result = z.object(s3EnvShape).safeParse(input);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${String(i.path[0])}: ${i.message} (got "${input[String(i.path[0])] ?? ''}")`);
    throw new PipelineError('CONFIG_INVALID', `invalid environment: ${issues.join('; ')}`);
  }
  return result.data;
}
