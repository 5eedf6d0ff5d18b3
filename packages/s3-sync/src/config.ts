import { fileURLToPath } from 'node:url';
import { intFromEnv, z } from '@api-server/core';
import { parseS3Url, s3EnvShape } from '@api-server/release';

/** Where the templates come from (`SOURCE_URL`). */
export type SourceLocation = { kind: 's3'; bucket: string; prefix: string } | { kind: 'file'; dir: string };

/**
 * Parses `s3://bucket/prefix` or `file:///dir`. The prefix is normalised to end
 * in `/` (or be empty), so `s3://b/templates` and `s3://b/templates/` agree and
 * `templates-old/` never matches `templates`.
 */
export function parseSourceUrl(value: string): SourceLocation | string {
  const s3 = parseS3Url(value);
  if (typeof s3 === 'string') return s3;
  if (s3) return { kind: 's3', ...s3 };
  if (value.startsWith('file://')) {
    try {
      return { kind: 'file', dir: fileURLToPath(value).replace(/\/+$/, '') || '/' };
    } catch (err) {
      return `not a valid file URL: ${(err as Error).message}`;
    }
  }
  return 'expected s3://bucket/prefix or file:///absolute/dir';
}

const sourceUrl = z.string().transform((value, ctx) => {
  const parsed = parseSourceUrl(value);
  if (typeof parsed === 'string') {
    ctx.addIssue({ code: 'custom', message: parsed });
    return z.NEVER;
  }
  return parsed;
});

/** s3-sync's environment (docs/architecture.md, "processes, ports, environment"), beside core's common variables. */
export const envShape = {
  SOURCE_URL: sourceUrl,
  /** S3_ENDPOINT, S3_FORCE_PATH_STYLE, AWS_REGION: the same rules as apictl's (@api-server/release). */
  ...s3EnvShape,
  SYNC_INTERVAL_MS: intFromEnv(50).default(15_000),
  S3_MAX_OBJECT_BYTES: intFromEnv(1).default(10 * 1024 * 1024),
  S3_MAX_OBJECTS: intFromEnv(1).default(5000),
  S3_CONCURRENCY: intFromEnv(1).pipe(z.number().max(64)).default(8),
};

/** Unknown variables with these prefixes are reported (a typo must not fall back to a default). */
export const envPrefixes = ['S3_', 'SYNC_'];

type S3SyncEnv = z.infer<z.ZodObject<typeof envShape>>;

/**
 * How long the loop may stay silent before `/healthz` fails. Read before the
 * environment is validated (runComponent takes it up front), so a bad value falls
 * back to the default interval. Covers one gap with jitter, the longest backoff
 * and one request timeout; downloads beat on their own.
 */
export function maxSilenceMs(rawInterval: string | undefined): number {
  const n = Number(rawInterval);
  const interval = Number.isFinite(n) && n > 0 ? n : 15_000;
  return Math.max(120_000, Math.ceil(interval * 1.1) + 60_000 + 30_000);
}
