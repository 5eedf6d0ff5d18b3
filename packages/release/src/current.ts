import { z } from '@api-server/core';
import { releaseError } from './error-codes.js';
import { RELEASE_ID } from './layout.js';

/** A CURRENT larger than this is not a pointer; refusing it bounds memory. */
export const MAX_CURRENT_BYTES = 64 * 1024;

/**
 * The pointer object `<prefix>/CURRENT`: `release` is required and is one safe path
 * segment; the publisher's other fields (see `CurrentBody`) are kept as they are.
 */
export const currentSchema = z.looseObject({
  release: z.string().regex(RELEASE_ID),
});

/** The parsed pointer: the release to sync, and every other field the publisher wrote. */
export interface CurrentPointer {
  /** The release folder to sync: `<prefix>/releases/<release>/`. */
  release: string;
  /** Every other field the publisher wrote (commit, author, time), kept for the state file. */
  meta: Record<string, unknown>;
}

/**
 * Parses a CURRENT body, or throws `CURRENT_INVALID` naming the key and why. The one
 * CURRENT parser: s3-sync (S3 and file mode) and apictl (publish, rollback, releases)
 * read the pointer through it, so both ends refuse the same bodies. Pure.
 */
export function parseCurrent(body: string | Uint8Array, key: string): CurrentPointer {
  const fail = (why: string, cause?: unknown): never => {
    throw releaseError('CURRENT_INVALID', `refusing ${JSON.stringify(key)}: ${why}`, { cause, context: { key } });
  };
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  if (bytes.byteLength > MAX_CURRENT_BYTES) fail(`larger than ${MAX_CURRENT_BYTES} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    return fail(`not valid JSON (${(err as Error).message})`, err);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return fail('expected a JSON object {"release": "<id>"}');
  const release = (parsed as Record<string, unknown>).release;
  if (typeof release !== 'string') return fail('field "release" is missing or not a string');
  const checked = currentSchema.safeParse(parsed);
  if (!checked.success) return fail(`release id ${JSON.stringify(release)} is not a single safe path segment ([A-Za-z0-9._-], no leading dot, at most 128 characters)`);
  const { release: id, ...meta } = checked.data;
  return { release: id, meta };
}
