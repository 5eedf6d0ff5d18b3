import { createHash } from 'node:crypto';
import { PipelineError, versionId, type VersionFile } from '@api-server/core';
import type { StoredObject } from './store.js';

/**
 * The release layout of docs/architecture.md "S3 layout", as pure functions:
 *   releases/<id>/<files>   the template tree, immutable
 *   releases/<id>.json      metadata, written after the last file: its presence means complete
 *   CURRENT                 {"release": "<id>", ...}, written last
 * The metadata sits beside the folder, not in it: s3-sync would copy a file inside
 * the folder to every node as a template.
 */

/**
 * Content id of a template tree: core's `versionId`, the same hash s3-sync gives the
 * synced tree, so a node's `state/s3-sync.json` `current` equals the release id.
 */
export function releaseId(files: readonly VersionFile[]): string {
  return versionId(files);
}

export const CURRENT_KEY = 'CURRENT';
export const releaseFolder = (id: string) => `releases/${id}/`;
export const releaseMetaKey = (id: string) => `releases/${id}.json`;

/** Same pattern s3-sync accepts (one safe path segment). */
export const RELEASE_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

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

export function parseCurrentBody(data: Uint8Array): Partial<CurrentBody> & { release: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(data).toString('utf8'));
  } catch (err) {
    throw new PipelineError('CURRENT_INVALID', `CURRENT is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const release = (parsed as { release?: unknown } | null)?.release;
  if (typeof release !== 'string' || !RELEASE_ID.test(release)) {
    throw new PipelineError('CURRENT_INVALID', 'CURRENT has no valid "release" field', { context: { body: Buffer.from(data).toString('utf8').slice(0, 200) } });
  }
  return parsed as Partial<CurrentBody> & { release: string };
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
