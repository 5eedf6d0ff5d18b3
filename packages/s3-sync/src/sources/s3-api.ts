import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { isAbortError, PipelineError } from '@api-server/core';
import { isFolderMarker } from '../keys.js';
import { objectTooLarge, treeTooLarge, type ListedObject } from '../plan.js';
import { syncError } from '../error-codes.js';

/** Told about every request sent, for `s3_sync_requests_total` (and tests that count them). */
export type RequestHook = (operation: 'GetObject' | 'ListObjectsV2') => void;

/**
 * Lists every object under `prefix`, page by page, stopping as soon as the count
 * limit is passed (a runaway prefix must not be listed to the end). Keys are
 * requested URL-encoded, as AWS recommends, so a key holding a control character
 * survives the XML; they are decoded only when the server says it encoded them.
 */
export async function listAll(
  client: S3Client,
  opts: { bucket: string; prefix: string; maxObjects: number; signal: AbortSignal; onRequest?: RequestHook },
): Promise<ListedObject[]> {
  const out: ListedObject[] = [];
  let files = 0;
  let token: string | undefined;
  do {
    opts.onRequest?.('ListObjectsV2');
    const page = await client
      .send(new ListObjectsV2Command({ Bucket: opts.bucket, Prefix: opts.prefix, ContinuationToken: token, EncodingType: 'url' }), {
        abortSignal: opts.signal,
      })
      .catch((err: unknown) => {
        throw s3Failure(err, 'ListObjectsV2', opts.bucket, opts.prefix);
      });
    const encoded = page.EncodingType === 'url';
    for (const item of page.Contents ?? []) {
      const key = encoded ? decodeListedKey(item.Key ?? '') : (item.Key ?? '');
      const object = { key, etag: item.ETag ?? '', size: item.Size ?? 0 };
      out.push(object);
      if (!isFolderMarker(object.key, object.size) && ++files > opts.maxObjects) throw treeTooLarge(opts.prefix, files, opts.maxObjects);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/** S3's `encoding-type=url` writes a space as `+` and a literal `+` as `%2B` (unquote_plus). */
export function decodeListedKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

export type GetResult = { status: 'ok'; etag: string; data: Uint8Array } | { status: 'not-modified' } | { status: 'missing' };

/**
 * GETs one object into memory, refusing more than `maxBytes` (checked against the
 * declared length first, then while streaming: a server may lie). `ifNoneMatch`
 * turns an unchanged object into one cheap 304.
 */
export async function getObject(
  client: S3Client,
  opts: { bucket: string; key: string; maxBytes: number; signal: AbortSignal; ifNoneMatch?: string; onRequest?: RequestHook },
): Promise<GetResult> {
  opts.onRequest?.('GetObject');
  let res;
  try {
    res = await client.send(new GetObjectCommand({ Bucket: opts.bucket, Key: opts.key, IfNoneMatch: opts.ifNoneMatch || undefined }), {
      abortSignal: opts.signal,
    });
  } catch (err) {
    const status = httpStatus(err);
    if (status === 304) return { status: 'not-modified' };
    if (status === 404 && (err as Error).name !== 'NoSuchBucket') return { status: 'missing' };
    throw s3Failure(err, 'GetObject', opts.bucket, opts.key);
  }
  const body = res.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
  if (res.ContentLength !== undefined && res.ContentLength > opts.maxBytes) {
    body?.destroy?.();
    throw objectTooLarge(opts.key, res.ContentLength, opts.maxBytes);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of body ?? []) {
      size += chunk.byteLength;
      if (size > opts.maxBytes) {
        body?.destroy?.();
        throw objectTooLarge(opts.key, size, opts.maxBytes);
      }
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof PipelineError) throw err;
    throw s3Failure(err, 'GetObject', opts.bucket, opts.key);
  }
  return { status: 'ok', etag: res.ETag ?? '', data: Buffer.concat(chunks, size) };
}

/**
 * One `PipelineError` per way S3 can fail, so `s3_sync_errors_total{code}` stays
 * small and alertable: no HTTP answer at all is `S3_UNREACHABLE`.
 */
export function s3Failure(err: unknown, operation: string, bucket: string, key: string): unknown {
  if (err instanceof PipelineError || isAbortError(err)) return err;
  const status = httpStatus(err);
  const name = err instanceof Error ? err.name : 'Error';
  const code =
    status === undefined
      ? 'S3_UNREACHABLE'
      : status === 403
        ? 'S3_ACCESS_DENIED'
        : name === 'NoSuchBucket'
          ? 'S3_NO_SUCH_BUCKET'
          : 'S3_REQUEST_FAILED';
  const detail = err instanceof Error ? err.message || name : String(err);
  return syncError(code, `${operation} s3://${bucket}/${key} failed: ${detail}${status ? ` (HTTP ${status})` : ''}`, {
    cause: err,
    context: { operation, bucket, key, ...(status ? { status } : {}), s3Code: name },
  });
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}
