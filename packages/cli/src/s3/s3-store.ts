import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { PutOptions, ReleaseStore, StoredObject } from '../workflow/store.js';
import type { S3Target } from './target.js';
import { cliError } from '../error-codes.js';

function status(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/** The ReleaseStore over one S3 bucket and prefix. Every failure names the operation and the key. */
export class S3Store implements ReleaseStore {
  readonly location: string;

  constructor(
    private readonly client: S3Client,
    private readonly target: S3Target,
  ) {
    this.location = `s3://${target.bucket}/${target.prefix}`;
  }

  private fail(err: unknown, operation: string, key: string): never {
    const code = status(err);
    throw cliError('S3_REQUEST_FAILED', `${operation} ${this.location}${key}: ${(err as Error).name ?? 'Error'}${code ? ` (HTTP ${code})` : ''}: ${(err as Error).message}`, {
      cause: err,
      context: { operation, key: this.target.prefix + key, status: code },
    });
  }

  async list(prefix: string, opts: { delimiter?: string } = {}): Promise<{ objects: StoredObject[]; folders: string[] }> {
    const objects: StoredObject[] = [];
    const folders: string[] = [];
    const base = this.target.prefix;
    let token: string | undefined;
    do {
      const page = await this.client
        .send(new ListObjectsV2Command({ Bucket: this.target.bucket, Prefix: base + prefix, Delimiter: opts.delimiter, ContinuationToken: token }))
        .catch((err: unknown) => this.fail(err, 'ListObjectsV2', prefix));
      for (const o of page.Contents ?? []) {
        objects.push({ key: (o.Key ?? '').slice(base.length), etag: o.ETag ?? '', size: o.Size ?? 0, ...(o.LastModified ? { lastModified: o.LastModified } : {}) });
      }
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix) folders.push(p.Prefix.slice(base.length));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return { objects, folders };
  }

  async get(key: string): Promise<{ data: Uint8Array; etag: string } | null> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.target.bucket, Key: this.target.prefix + key }));
      const data = await res.Body!.transformToByteArray();
      return { data, etag: res.ETag ?? '' };
    } catch (err) {
      if (status(err) === 404 && (err as Error).name !== 'NoSuchBucket') return null;
      return this.fail(err, 'GetObject', key);
    }
  }

  async put(key: string, data: Uint8Array, opts: PutOptions = {}): Promise<{ etag: string }> {
    try {
      const res = await this.client.send(
        new PutObjectCommand({
          Bucket: this.target.bucket,
          Key: this.target.prefix + key,
          Body: data,
          ContentType: opts.contentType,
          IfMatch: opts.ifMatch,
          IfNoneMatch: opts.ifNoneMatch,
        }),
      );
      return { etag: res.ETag ?? '' };
    } catch (err) {
      // 412: the condition failed; 409: a concurrent conditional write to the same key (AWS).
      if (status(err) === 412 || status(err) === 409) {
        throw cliError('CURRENT_CHANGED', `PutObject ${this.location}${key}: the object changed since it was read`, { cause: err, context: { key } });
      }
      return this.fail(err, 'PutObject', key);
    }
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    const source = `${this.target.bucket}/${this.target.prefix}${fromKey}`.split('/').map(encodeURIComponent).join('/');
    await this.client
      .send(new CopyObjectCommand({ Bucket: this.target.bucket, Key: this.target.prefix + toKey, CopySource: source }))
      .catch((err: unknown) => this.fail(err, 'CopyObject', toKey));
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.target.bucket, Key: this.target.prefix + key })).catch((err: unknown) => this.fail(err, 'DeleteObject', key));
  }
}
