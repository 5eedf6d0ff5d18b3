import { md5Etag } from './release.js';
import type { PutOptions, ReleaseStore, StoredObject } from './store.js';
import { cliError } from '../error-codes.js';

/**
 * A ReleaseStore in memory, for unit tests of publish and rollback. `honourConditions`
 * false plays s3rver (which ignores If-Match); `beforePut` lets a test inject a
 * failure or a concurrent writer.
 */
export class MemoryStore implements ReleaseStore {
  readonly location = 'mem://test/';
  readonly objects = new Map<string, { data: Uint8Array; etag: string; at: Date }>();
  readonly requests: string[] = [];
  honourConditions = true;
  beforePut?: (key: string) => void | Promise<void>;
  private clock = 0;

  async list(prefix: string, opts: { delimiter?: string } = {}): Promise<{ objects: StoredObject[]; folders: string[] }> {
    this.requests.push(`LIST ${prefix}`);
    const objects: StoredObject[] = [];
    const folders = new Set<string>();
    for (const [key, o] of [...this.objects].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      const cut = opts.delimiter ? rest.indexOf(opts.delimiter) : -1;
      if (cut >= 0) folders.add(prefix + rest.slice(0, cut + 1));
      else objects.push({ key, etag: o.etag, size: o.data.byteLength, lastModified: o.at });
    }
    return { objects, folders: [...folders] };
  }

  async get(key: string): Promise<{ data: Uint8Array; etag: string } | null> {
    this.requests.push(`GET ${key}`);
    const o = this.objects.get(key);
    return o ? { data: o.data, etag: o.etag } : null;
  }

  async put(key: string, data: Uint8Array, opts: PutOptions = {}): Promise<{ etag: string }> {
    await this.beforePut?.(key);
    this.requests.push(`PUT ${key}`);
    const existing = this.objects.get(key);
    if (this.honourConditions && ((opts.ifMatch !== undefined && existing?.etag !== opts.ifMatch) || (opts.ifNoneMatch === '*' && existing))) {
      throw cliError('CURRENT_CHANGED', `PutObject ${key}: precondition failed`);
    }
    return this.set(key, data);
  }

  set(key: string, data: Uint8Array | string): { etag: string } {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    const etag = md5Etag(bytes);
    this.objects.set(key, { data: bytes, etag, at: new Date(Date.UTC(2030, 0, 1) + ++this.clock * 1000) });
    return { etag };
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    this.requests.push(`COPY ${fromKey} ${toKey}`);
    const o = this.objects.get(fromKey);
    if (!o) throw cliError('S3_REQUEST_FAILED', `CopyObject: no ${fromKey}`);
    this.set(toKey, o.data);
  }

  async delete(key: string): Promise<void> {
    this.requests.push(`DELETE ${key}`);
    this.objects.delete(key);
  }

  text(key: string): string | undefined {
    const o = this.objects.get(key);
    return o ? Buffer.from(o.data).toString('utf8') : undefined;
  }
}
