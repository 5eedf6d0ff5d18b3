import { createHash } from 'node:crypto';
import { versionId, type VersionFile } from '@api-server/core';
import { CURRENT_KEY, parseCurrent, releaseFolder } from '@api-server/release';
import type { StoredObject } from './store.js';

/**
 * What the publisher writes into the release layout (@api-server/release, the one
 * definition s3-sync reads with): the content id, the metadata and CURRENT bodies,
 * and the upload plan, as pure functions.
 */

/**
 * Content id of a template tree: core's `versionId`, the same hash s3-sync gives the
 * synced tree, so a node's `state/s3-sync.json` `current` equals the release id.
 */
export function releaseId(files: readonly VersionFile[]): string {
  return versionId(files);
}

export interface ReleaseMeta {
  release: string;
  publishedAt: string;
  author: string;
  commit: string | null;
  message: string;
  /** Set when DIR had uncommitted changes: `commit` names HEAD, not exactly what was published. */
  dirty?: boolean;
  files: number;
  bytes: number;
  /** The release CURRENT named when this one was published. */
  previous: string | null;
}

export interface CurrentBody extends Omit<ReleaseMeta, 'bytes'> {
  /** Random per flip: tells this publish's write apart from a concurrent one of the same release. */
  publishId: string;
  /** Set by `rollback`. */
  rollback?: boolean;
}

/**
 * A CURRENT body as the publisher reads it back: s3-sync's parser (`CURRENT_INVALID`
 * for whatever a node would refuse), with the publisher's own fields typed. Fields
 * another tool wrote are kept but not trusted beyond their presence.
 */
export function parseCurrentBody(data: Uint8Array): Partial<CurrentBody> & { release: string } {
  const { release, meta } = parseCurrent(data, CURRENT_KEY);
  return { ...(meta as Partial<CurrentBody>), release };
}

export function md5Etag(data: Uint8Array): string {
  return `"${createHash('md5').update(data).digest('hex')}"`;
}

export type UploadStep =
  | { action: 'skip'; path: string; bytes: number }
  | { action: 'copy'; path: string; bytes: number; from: string }
  | { action: 'put'; path: string; bytes: number; data: Uint8Array };

export interface UploadPlan {
  steps: UploadStep[];
  /** Keys in the release folder that are not part of the release (left by an older tool): removed. */
  stray: string[];
}

/**
 * What to send for release `id`. A file already in the folder with the same MD5
 * (a re-run after a failure) is skipped; one the previous release holds with the
 * same MD5 is copied server-side; the rest is uploaded. Comparing ETags to MD5s is
 * only valid for single-part, non-KMS objects; when they differ for another reason
 * the file is simply uploaded again, which is safe.
 */
export function planUpload(id: string, files: readonly VersionFile[], existing: readonly StoredObject[], previous: { id: string; objects: readonly StoredObject[] } | null): UploadPlan {
  const folder = releaseFolder(id);
  const have = new Map(existing.map((o) => [o.key, o.etag]));
  const prev = new Map((previous?.objects ?? []).map((o) => [o.key.slice(releaseFolder(previous!.id).length), o.etag]));
  const steps: UploadStep[] = files.map((f) => {
    const etag = md5Etag(f.data);
    const bytes = f.data.byteLength;
    if (have.get(folder + f.path) === etag) return { action: 'skip', path: f.path, bytes };
    if (previous && prev.get(f.path) === etag) return { action: 'copy', path: f.path, bytes, from: releaseFolder(previous.id) + f.path };
    return { action: 'put', path: f.path, bytes, data: f.data };
  });
  const wanted = new Set(files.map((f) => folder + f.path));
  return { steps, stray: existing.map((o) => o.key).filter((k) => !wanted.has(k)) };
}
