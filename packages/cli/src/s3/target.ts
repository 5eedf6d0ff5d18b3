import { parseS3Url, type S3Location } from '@api-server/release';
import { cliError } from '../error-codes.js';

/** `s3://bucket/prefix`: the prefix normalised to `''` or ending in `/`, as s3-sync's SOURCE_URL. */
export type S3Target = S3Location;

/** The release location a command's flag names (`--to`), parsed with s3-sync's own rule. */
export function parseTarget(value: string | undefined, flag = '--to'): S3Target {
  if (!value) throw cliError('TARGET_MISSING', `${flag}: give the release location, s3://bucket/prefix (or set APICTL_TARGET)`);
  const parsed = parseS3Url(value);
  if (parsed === null || typeof parsed === 'string') {
    throw cliError('TARGET_INVALID', `${flag}: ${parsed ?? 'expected s3://bucket/prefix'}, got "${value}"`, { context: { value } });
  }
  return parsed;
}
