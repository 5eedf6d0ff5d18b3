import { createHash } from 'node:crypto';
import type { VersionFile } from '@api-server/core';
import type { CachedFile } from './plan.js';

/** What a source delivers: a complete tree and where it came from. */
export interface SyncedTree {
  /** core `versionId(files)`: the id `publishVersion` will give it. */
  id: string;
  files: VersionFile[];
  /** `release` when a CURRENT pointer named the tree, `tree` for a plain prefix or directory. */
  mode: 'release' | 'tree';
  /** The release id CURRENT named (release mode). */
  release?: string;
  /** Other fields of CURRENT (commit, author...), for the state file. */
  meta?: Record<string, unknown>;
  /** Human-readable origin: `s3://bucket/prefix/releases/<id>/` or a directory. */
  location: string;
}

/** Observations a source reports while fetching; the component turns them into metrics. */
export interface SourceHooks {
  request?: (operation: 'GetObject' | 'ListObjectsV2') => void;
  downloaded?: (key: string, bytes: number) => void;
  /** A changed tree is about to be fetched: how many objects to download, how many to reuse. */
  planned?: (download: number, reuse: number) => void;
}

/**
 * Primes an S3 source's cache from files already on disk (the last good version
 * after a restart). An S3 ETag is the MD5 of the bytes for every object uploaded
 * in one part without KMS, which covers template trees, so unchanged objects are
 * not fetched again; any other ETag simply misses and is downloaded once.
 */
export function cacheFromFiles(files: readonly VersionFile[]): Map<string, CachedFile> {
  return new Map(files.map((f) => [f.path, { etag: createHash('md5').update(f.data).digest('hex'), data: f.data }]));
}
