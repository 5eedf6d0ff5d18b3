import { PipelineError } from '@api-server/core';

/** The pointer object `<prefix>/CURRENT` (docs/architecture.md, "S3 layout"). */
export interface CurrentPointer {
  /** The release folder to sync: `<prefix>/releases/<release>/`. */
  release: string;
  /** Every other field the publisher wrote (commit, author, time), kept for the state file. */
  meta: Record<string, unknown>;
}

/** A CURRENT larger than this is not a pointer; refusing it bounds memory. */
export const MAX_CURRENT_BYTES = 64 * 1024;

// One path segment, no leading dot: the id becomes part of an S3 key we build,
// so it must not be able to climb (`..`) or add segments (`/`).
const RELEASE_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

/**
 * Parses a CURRENT body, or throws `CURRENT_INVALID` naming the key and why.
 * Pure: the S3 source fetches, this decides.
 */
export function parseCurrent(body: string | Uint8Array, key: string): CurrentPointer {
  const fail = (why: string, cause?: unknown): never => {
    throw new PipelineError('CURRENT_INVALID', `refusing ${JSON.stringify(key)}: ${why}`, { cause, context: { key } });
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
  const { release, ...meta } = parsed as Record<string, unknown>;
  if (typeof release !== 'string') return fail('field "release" is missing or not a string');
  if (!RELEASE_ID.test(release)) return fail(`release id ${JSON.stringify(release)} is not a single safe path segment ([A-Za-z0-9._-], no leading dot, at most 128 characters)`);
  return { release, meta };
}
