import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { S3Env } from './env.js';

/**
 * The one timeout policy for every S3 request we make (s3-sync's polls, apictl's
 * uploads): a connection must open within 5 s, and a socket silent for 30 s fails
 * the request (the SDK's `requestTimeout` is an idle timeout, so a large upload that
 * keeps moving is not cut). A hung request then fails the poll or the command, and
 * is retried, instead of stalling it forever. s3-sync's `/healthz` budget counts
 * one `requestTimeout`.
 */
const S3_TIMEOUTS = { connectionTimeout: 5_000, requestTimeout: 30_000 } as const;

/** The region when neither AWS_REGION nor the SDK's chain names one. */
const FALLBACK_REGION = 'us-east-1';

/**
 * An S3 client from the environment, for s3-sync and apictl alike. Credentials come
 * from the SDK's default chain (env, profile, web identity, instance metadata). The
 * region rule: AWS_REGION when set, else the SDK's chain (AWS_DEFAULT_REGION, profile),
 * else us-east-1: an S3-compatible endpoint rarely cares, and refusing to start over
 * it helps nobody.
 */
export async function createS3Client(env: S3Env): Promise<S3Client> {
  // The SDK warns on every run under Node 20 (its 2027 releases need 22); the images
  // run 22, and a CLI's stderr is read by people and CI logs.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const base: S3ClientConfig = { endpoint: env.S3_ENDPOINT, forcePathStyle: env.S3_FORCE_PATH_STYLE, requestHandler: { ...S3_TIMEOUTS } };
  if (env.AWS_REGION) return new S3Client({ ...base, region: env.AWS_REGION });
  const probe = new S3Client(base);
  try {
    await probe.config.region();
    return probe;
  } catch {
    probe.destroy();
    return new S3Client({ ...base, region: FALLBACK_REGION });
  }
}
