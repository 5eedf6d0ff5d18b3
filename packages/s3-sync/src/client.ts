import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/**
 * An S3 client from the environment. Credentials come from the SDK's default
 * chain (env, profile, web identity, instance metadata). The region too, and
 * us-east-1 when nothing names one: an S3-compatible endpoint rarely cares, and
 * refusing to start over it helps nobody.
 */
export async function createS3Client(opts: { endpoint?: string; forcePathStyle: boolean; region?: string }): Promise<S3Client> {
  const base: S3ClientConfig = {
    endpoint: opts.endpoint,
    forcePathStyle: opts.forcePathStyle,
    // A hung connection must fail the poll (and be retried), not stall the loop forever.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
  };
  if (opts.region) return new S3Client({ ...base, region: opts.region });
  const probe = new S3Client(base);
  try {
    await probe.config.region();
    return probe;
  } catch {
    probe.destroy();
    return new S3Client({ ...base, region: 'us-east-1' });
  }
}
