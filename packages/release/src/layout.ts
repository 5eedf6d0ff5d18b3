/**
 * The release layout under one S3 prefix (docs/architecture.md, "S3 layout"), as the
 * publisher (`apictl publish`) writes it and every node's s3-sync reads it:
 *   <prefix>/releases/<id>/<files>   the template tree, immutable
 *   <prefix>/releases/<id>.json      metadata, written after the last file: its presence means complete
 *   <prefix>/CURRENT                 {"release": "<id>", ...}, written last
 * The metadata sits beside the folder, not in it: s3-sync would copy a file inside
 * the folder to every node as a template. Keys here are relative to the prefix.
 */

/** The pointer object's key. */
export const CURRENT_KEY = 'CURRENT';

/** Where every release's folder and metadata live, relative to the prefix. */
export const RELEASES_PREFIX = 'releases/';

/** The folder holding release `id`'s template tree (ends in `/`). */
export const releaseFolder = (id: string): string => `${RELEASES_PREFIX}${id}/`;

/** The metadata object of release `id`. */
export const releaseMetaKey = (id: string): string => `${RELEASES_PREFIX}${id}.json`;

/**
 * One path segment, no leading dot: the id becomes part of an S3 key (and a local
 * directory in file mode), so it must not be able to climb (`..`) or add segments (`/`).
 */
export const RELEASE_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

/** True when `id` is a release id both ends accept. */
export function isReleaseId(id: string): boolean {
  return RELEASE_ID.test(id);
}

/**
 * The release a key of a one-level listing of `releases/` stands for: a metadata
 * object (`releases/<id>.json`) or a folder (`releases/<id>/`). Null for anything
 * else, including an id neither end would accept.
 */
export function releaseOfKey(key: string): { id: string; kind: 'meta' | 'folder' } | null {
  if (!key.startsWith(RELEASES_PREFIX)) return null;
  const rest = key.slice(RELEASES_PREFIX.length);
  const m = /^([^/]+)(\.json|\/)$/.exec(rest);
  if (!m || !isReleaseId(m[1]!)) return null;
  return { id: m[1]!, kind: m[2] === '/' ? 'folder' : 'meta' };
}
