/** A release location, `s3://bucket/prefix`. */
export interface S3Location {
  bucket: string;
  /** Normalised: `''` or ending in `/`, so `s3://b/p` and `s3://b/p/` agree and `p-old/` never matches `p`. */
  prefix: string;
}

// S3-compatible servers accept more than AWS's DNS rule; 3 characters is what s3rver and AWS agree on.
const BUCKET = /^[A-Za-z0-9][A-Za-z0-9._-]{2,254}$/;

/**
 * Parses `s3://bucket/prefix` (s3-sync's SOURCE_URL, apictl's `--to`). Returns the
 * location, `null` when `value` is not an `s3://` URL at all (the caller may accept
 * other schemes), or a reason string naming what is wrong. Pure.
 */
export function parseS3Url(value: string): S3Location | string | null {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(value);
  if (!m) return value.startsWith('s3://') ? 'expected s3://bucket/prefix' : null;
  const bucket = m[1] ?? '';
  if (!BUCKET.test(bucket)) return `bucket name "${bucket}" is not valid (3 to 255 of [A-Za-z0-9._-])`;
  const trimmed = (m[2] ?? '').replace(/^\/+/, '').replace(/\/+$/, '');
  return { bucket, prefix: trimmed ? `${trimmed}/` : '' };
}
