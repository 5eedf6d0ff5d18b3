import { PipelineError } from '@api-server/core';
import { isFolderMarker, keyToPath } from './keys.js';
import { syncError, type S3SyncErrorCode } from './error-codes.js';

/** One object as a listing reports it. */
export interface ListedObject {
  key: string;
  etag: string;
  size: number;
}

/** A listed object accepted into the tree, with its path under the output directory. */
export interface PlannedObject extends ListedObject {
  path: string;
}

export interface TreeLimits {
  /** Largest object accepted, bytes (`S3_MAX_OBJECT_BYTES`). */
  maxObjectBytes: number;
  /** Most objects in one tree (`S3_MAX_OBJECTS`). */
  maxObjects: number;
}

/** Bytes kept from the previous sync, by path, with the ETag they were fetched under. */
export interface CachedFile {
  etag: string;
  data: Uint8Array;
}

/**
 * Validates a complete listing and maps it to paths: every key safe (see
 * `keyToPath`), every object within the size limit, the tree within the count
 * limit, and no path that is both a file and a directory (`a` and `a/b`), which
 * would fail half-way through writing the version. Folder markers are dropped.
 * Throws a `PipelineError` naming the offending key; returns entries sorted by path.
 */
export function planTree(objects: readonly ListedObject[], prefix: string, limits: TreeLimits): PlannedObject[] {
  const planned: PlannedObject[] = [];
  for (const object of objects) {
    if (isFolderMarker(object.key, object.size)) continue;
    const path = keyToPath(object.key, prefix);
    if (object.size > limits.maxObjectBytes) throw objectTooLarge(object.key, object.size, limits.maxObjectBytes);
    planned.push({ ...object, path });
  }
  if (planned.length > limits.maxObjects) throw treeTooLarge(prefix, planned.length, limits.maxObjects);
  planned.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const dirs = new Set<string>();
  for (const { path } of planned) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const clash = planned.find((p) => dirs.has(p.path));
  if (clash) {
    throw syncError('KEY_CONFLICT', `refusing S3 key ${JSON.stringify(clash.key)}: "${clash.path}" is both a file and a directory in this tree`, {
      context: { key: clash.key, reason: 'file and directory' },
    });
  }
  return planned;
}

/**
 * Splits a planned tree into objects to download and objects whose bytes the
 * previous sync already holds (same path, same ETag). Paths, not keys, are
 * compared, so switching from `releases/a/` to `releases/b/` fetches only the
 * files that differ between the two releases.
 */
export function diffObjects(
  planned: readonly PlannedObject[],
  cache: ReadonlyMap<string, CachedFile>,
): { download: PlannedObject[]; reuse: PlannedObject[] } {
  const download: PlannedObject[] = [];
  const reuse: PlannedObject[] = [];
  for (const object of planned) {
    const cached = cache.get(object.path);
    const same = cached && normalizeEtag(cached.etag) === normalizeEtag(object.etag) && cached.data.byteLength === object.size;
    (same ? reuse : download).push(object);
  }
  return { download, reuse };
}

/** `"abc"`, `W/"abc"` and `ABC` name the same entity tag. */
export function normalizeEtag(etag: string): string {
  return etag.replace(/^W\//, '').replace(/"/g, '').toLowerCase();
}

export function objectTooLarge(key: string, size: number, limit: number): PipelineError<S3SyncErrorCode> {
  return syncError('OBJECT_TOO_LARGE', `refusing S3 key ${JSON.stringify(key)}: ${size} bytes is over the limit of ${limit} (S3_MAX_OBJECT_BYTES)`, {
    context: { key, size, limit, reason: 'object too large' },
  });
}

export function treeTooLarge(prefix: string, count: number, limit: number): PipelineError<S3SyncErrorCode> {
  return syncError('TREE_TOO_LARGE', `refusing tree under ${JSON.stringify(prefix)}: more than ${limit} objects (S3_MAX_OBJECTS), saw ${count}`, {
    context: { key: prefix, count, limit, reason: 'too many objects' },
  });
}
