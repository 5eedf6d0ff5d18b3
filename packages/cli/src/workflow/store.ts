/**
 * Where releases live, as `publish`, `releases` and `rollback` need it: a flat key
 * space under one prefix (S3 in production, memory in unit tests). Keys here are
 * relative to the prefix (`CURRENT`, `releases/<id>/50-web.cfg.hbs`).
 */
export interface StoredObject {
  key: string;
  /** As the server sends it, quotes included. For a single-part upload, the MD5 of the bytes. */
  etag: string;
  size: number;
  lastModified?: Date;
}

export interface PutOptions {
  contentType?: string;
  /** Write only if the object's ETag is still this (the flip of CURRENT). */
  ifMatch?: string;
  /** Write only if the object does not exist (the first CURRENT). */
  ifNoneMatch?: '*';
}

export interface ReleaseStore {
  /** `s3://bucket/prefix/`, for messages. */
  readonly location: string;
  /** Every object under `prefix`; with `delimiter`, one level only, plus the sub-folders. */
  list(prefix: string, opts?: { delimiter?: string }): Promise<{ objects: StoredObject[]; folders: string[] }>;
  /** Null when the object does not exist. */
  get(key: string): Promise<{ data: Uint8Array; etag: string } | null>;
  /** Throws a PipelineError `CURRENT_CHANGED` when a condition fails. */
  put(key: string, data: Uint8Array, opts?: PutOptions): Promise<{ etag: string }>;
  /** Server-side copy: no bytes leave the store. */
  copy(fromKey: string, toKey: string): Promise<void>;
  delete(key: string): Promise<void>;
}
