import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { mapLimit, versionId, type FetchResult, type Source, type VersionFile } from '@api-server/core';
import { CURRENT_KEY, MAX_CURRENT_BYTES, parseCurrent, releaseFolder } from '@api-server/release';
import { diffObjects, planTree, type CachedFile, type ListedObject, type PlannedObject, type TreeLimits } from '../plan.js';
import { getObject, listAll } from './s3-api.js';
import type { SourceHooks, SyncedTree } from '../tree.js';
import { syncError } from '../error-codes.js';

export interface S3ReleaseOptions extends TreeLimits {
  client: S3Client;
  bucket: string;
  /** Normalised: empty, or ending in `/`. */
  prefix: string;
  /** Parallel downloads (`S3_CONCURRENCY`). */
  concurrency: number;
  hooks?: SourceHooks;
}

/**
 * An S3 prefix laid out as docs/architecture.md "S3 layout" says. With a `CURRENT`
 * pointer, a poll is one conditional GET (304 when nothing changed) and the
 * release folder it names is listed only when it changes. Without one, a poll is
 * one listing (per 1,000 objects) compared with the last. Only objects whose
 * ETag changed are downloaded; the rest reuse the bytes of the last good tree.
 * Nothing is kept from a sync that failed half-way.
 */
export class S3ReleaseSource implements Source<SyncedTree> {
  readonly id: string;
  private last: { marker: string; tree: SyncedTree } | undefined;
  private cache = new Map<string, CachedFile>();

  constructor(private readonly opts: S3ReleaseOptions) {
    this.id = `s3://${opts.bucket}/${opts.prefix}`;
  }

  /** Reuses bytes already on disk (see `cacheFromFiles`). */
  seed(cache: Map<string, CachedFile>): void {
    this.cache = cache;
  }

  async fetch({ signal }: { index: string | undefined; signal: AbortSignal }): Promise<FetchResult<SyncedTree>> {
    // Start (and stay) with the cheap pointer check unless the prefix proved to be a plain tree.
    if (!this.last?.marker.startsWith('list:')) {
      const viaPointer = await this.fetchRelease(signal);
      if (viaPointer) return viaPointer;
    }
    return this.fetchPlain(signal);
  }

  private get currentKey(): string {
    return this.opts.prefix + CURRENT_KEY;
  }

  /** Null when the prefix has no CURRENT. */
  private async fetchRelease(signal: AbortSignal): Promise<FetchResult<SyncedTree> | null> {
    const { client, bucket } = this.opts;
    const previous = this.last?.marker.startsWith('current:') ? this.last : undefined;
    const got = await getObject(client, {
      bucket,
      key: this.currentKey,
      maxBytes: MAX_CURRENT_BYTES,
      signal,
      ifNoneMatch: previous?.marker.slice('current:'.length),
      onRequest: this.opts.hooks?.request,
    });
    if (got.status === 'missing') return null;
    if (got.status === 'not-modified' && previous) return { value: previous.tree, index: previous.marker };
    if (got.status !== 'ok') throw syncError('S3_REQUEST_FAILED', `GetObject ${this.currentKey}: 304 without a previous ETag`, { context: { key: this.currentKey } });
    const pointer = parseCurrent(got.data, this.currentKey);
    const releasePrefix = this.opts.prefix + releaseFolder(pointer.release);
    const listed = await this.list(releasePrefix, signal);
    const planned = planTree(listed, releasePrefix, this.opts);
    if (planned.length === 0) {
      throw syncError('RELEASE_EMPTY', `refusing ${JSON.stringify(this.currentKey)}: release "${pointer.release}" has no objects under s3://${bucket}/${releasePrefix}`, {
        context: { key: this.currentKey, release: pointer.release },
      });
    }
    const files = await this.materialise(planned, signal);
    const marker = `current:${got.etag}`;
    const tree: SyncedTree = { id: versionId(files), files, mode: 'release', release: pointer.release, meta: pointer.meta, location: `s3://${bucket}/${releasePrefix}` };
    this.commit(marker, tree, planned);
    return { value: tree, index: marker };
  }

  private async fetchPlain(signal: AbortSignal): Promise<FetchResult<SyncedTree>> {
    const { bucket, prefix } = this.opts;
    const listed = await this.list(prefix, signal);
    // A CURRENT appeared: the prefix switched to releases; one extra GET, once.
    if (listed.some((o) => o.key === this.currentKey)) {
      const viaPointer = await this.fetchRelease(signal);
      if (viaPointer) return viaPointer;
    }
    const marker = `list:${listingSignature(listed)}`;
    if (this.last?.marker === marker) return { value: this.last.tree, index: marker };
    const planned = planTree(listed, prefix, this.opts);
    if (planned.length === 0) {
      // An empty prefix is far more often an accident (wrong prefix, a sync mid-delete) than an intent.
      throw syncError('TREE_EMPTY', `refusing s3://${bucket}/${prefix}: no objects (an empty tree never replaces the last good one)`, { context: { key: prefix } });
    }
    const files = await this.materialise(planned, signal);
    const tree: SyncedTree = { id: versionId(files), files, mode: 'tree', location: `s3://${bucket}/${prefix}` };
    this.commit(marker, tree, planned);
    return { value: tree, index: marker };
  }

  private list(prefix: string, signal: AbortSignal): Promise<ListedObject[]> {
    const { client, bucket, maxObjects } = this.opts;
    return listAll(client, { bucket, prefix, maxObjects, signal, onRequest: this.opts.hooks?.request });
  }

  /** Bytes for every planned object: cached when the ETag matches, downloaded otherwise. */
  private async materialise(planned: PlannedObject[], signal: AbortSignal): Promise<VersionFile[]> {
    const { download, reuse } = diffObjects(planned, this.cache);
    this.opts.hooks?.planned?.(download.length, reuse.length);
    const fetched = new Map<string, CachedFile>();
    await mapLimit(
      download,
      this.opts.concurrency,
      async (object, sig) => {
        const got = await getObject(this.opts.client, { bucket: this.opts.bucket, key: object.key, maxBytes: this.opts.maxObjectBytes, signal: sig, onRequest: this.opts.hooks?.request });
        if (got.status !== 'ok') {
          throw syncError('OBJECT_CHANGED', `S3 key ${JSON.stringify(object.key)} disappeared between listing and download; retrying`, { context: { key: object.key } });
        }
        // The object was replaced after we listed it: its bytes would not match the ETag we cache them under.
        if (got.etag && object.etag && got.etag !== object.etag) {
          throw syncError('OBJECT_CHANGED', `S3 key ${JSON.stringify(object.key)} changed between listing and download; retrying`, { context: { key: object.key } });
        }
        this.opts.hooks?.downloaded?.(object.key, got.data.byteLength);
        fetched.set(object.path, { etag: object.etag, data: got.data });
      },
      signal,
    );
    return planned.map((o) => ({ path: o.path, data: (fetched.get(o.path) ?? this.cache.get(o.path))!.data }));
  }

  private commit(marker: string, tree: SyncedTree, planned: PlannedObject[]): void {
    const files = new Map(tree.files.map((f) => [f.path, f.data]));
    this.cache = new Map(planned.map((o) => [o.path, { etag: o.etag, data: files.get(o.path)! }]));
    this.last = { marker, tree };
  }
}

/** Keys, ETags and sizes of a listing: equal signatures mean nothing to download. */
function listingSignature(objects: readonly ListedObject[]): string {
  const hash = createHash('sha256');
  for (const o of objects) hash.update(`${o.key}\0${o.etag}\0${o.size}\n`);
  return hash.digest('hex').slice(0, 32);
}
