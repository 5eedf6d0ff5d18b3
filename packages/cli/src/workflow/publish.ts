import { randomUUID } from 'node:crypto';
import { mapLimit, PipelineError, type VersionFile } from '@api-server/core';
import { CURRENT_KEY, isReleaseId, releaseFolder, releaseMetaKey, releaseOfKey, RELEASES_PREFIX } from '@api-server/release';
import { parseCurrentBody, planUpload, releaseId, type CurrentBody, type ReleaseMeta } from './release.js';
import type { ReleaseStore } from './store.js';
import { cliError } from '../error-codes.js';

export interface Provenance {
  author: string;
  commit: string | null;
  message: string;
  /** The published directory had uncommitted changes (recorded in the metadata and CURRENT). */
  dirty?: boolean;
}

export interface PublishProgress {
  done: number;
  total: number;
  bytes: number;
}

export interface PublishOutcome {
  id: string;
  /** `published`: CURRENT now names it; `unchanged`: it already did. */
  status: 'published' | 'unchanged';
  previous: string | null;
  uploaded: number;
  copied: number;
  skipped: number;
}

interface CurrentRead {
  etag: string;
  body: Partial<CurrentBody> & { release: string };
}

async function readCurrent(store: ReleaseStore): Promise<CurrentRead | null> {
  const got = await store.get(CURRENT_KEY);
  return got ? { etag: got.etag, body: parseCurrentBody(got.data) } : null;
}

const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');

/**
 * Uploads `files` as release `<id>` and points CURRENT at it (docs/architecture.md "S3
 * layout"). Order is what makes it safe: every file, then `releases/<id>.json`,
 * then CURRENT. A failure before the flip leaves CURRENT on the old release and the
 * new one never live; a re-run skips what is already there.
 */
export async function publishRelease(
  store: ReleaseStore,
  files: readonly VersionFile[],
  provenance: Provenance,
  opts: { concurrency?: number; onProgress?: (p: PublishProgress) => void; now?: () => Date } = {},
): Promise<PublishOutcome> {
  const id = releaseId(files);
  const before = await readCurrent(store);
  const previous = before?.body.release ?? null;
  if (previous === id) return { id, status: 'unchanged', previous, uploaded: 0, copied: 0, skipped: files.length };

  const existing = (await store.list(releaseFolder(id))).objects;
  const prevObjects = previous ? (await store.list(releaseFolder(previous))).objects : [];
  const plan = planUpload(id, files, existing, previous ? { id: previous, objects: prevObjects } : null);
  const total = plan.steps.length;
  let done = 0;
  let bytes = 0;
  const tick = (n: number) => {
    done++;
    bytes += n;
    opts.onProgress?.({ done, total, bytes });
  };
  for (const key of plan.stray) await store.delete(key);
  await mapLimit(plan.steps, opts.concurrency ?? 8, async (step) => {
    const key = releaseFolder(id) + step.path;
    if (step.action === 'put') await store.put(key, step.data);
    else if (step.action === 'copy') await store.copy(step.from, key);
    tick(step.bytes);
  });

  const now = (opts.now ?? (() => new Date()))().toISOString();
  const meta: ReleaseMeta = {
    release: id,
    publishedAt: now,
    ...provenance,
    files: files.length,
    bytes: files.reduce((n, f) => n + f.data.byteLength, 0),
    previous,
  };
  await store.put(releaseMetaKey(id), json(meta), { contentType: 'application/json' });
  await flipCurrent(store, before, { release: id, publishedAt: now, ...provenance, files: files.length, previous });
  const count = (a: string) => plan.steps.filter((s) => s.action === a).length;
  return { id, status: 'published', previous, uploaded: count('put'), copied: count('copy'), skipped: count('skip') };
}

/**
 * Points CURRENT at `body.release`, only if CURRENT is still what we read at the
 * start. The write carries If-Match (If-None-Match for the first one), which S3
 * enforces; stores that ignore it (s3rver does) are covered by reading CURRENT again
 * before the write and after it. The window left between that re-read and the write
 * is milliseconds, and the read-back reports a write that slipped into it.
 */
async function flipCurrent(store: ReleaseStore, before: CurrentRead | null, fields: Omit<CurrentBody, 'publishId'>): Promise<void> {
  const body: CurrentBody = { ...fields, publishId: randomUUID() };
  const changed = (now: CurrentRead | null) =>
    cliError(
      'CURRENT_CHANGED',
      `CURRENT changed while this command ran (it named ${before?.body.release ?? 'nothing'}, now ${now?.body.release ?? 'nothing'}${now?.body.author ? ` by ${now.body.author}` : ''}): another publish or rollback ran at the same time. Release ${fields.release} is uploaded but NOT live; run the command again to put it on top.`,
      { context: { release: fields.release, expected: before?.body.release ?? null, found: now?.body.release ?? null } },
    );
  const again = await readCurrent(store);
  if ((again?.etag ?? null) !== (before?.etag ?? null)) throw changed(again);
  await store.put(CURRENT_KEY, json(body), before ? { ifMatch: before.etag, contentType: 'application/json' } : { ifNoneMatch: '*', contentType: 'application/json' }).catch(async (err: unknown) => {
    if ((err as PipelineError).code === 'CURRENT_CHANGED') throw changed(await readCurrent(store).catch(() => null));
    throw err;
  });
  const after = await readCurrent(store);
  if (after?.body.publishId !== body.publishId) throw changed(after);
}

/** Points CURRENT at an earlier, complete release. */
export async function rollbackRelease(store: ReleaseStore, id: string, provenance: Provenance, opts: { now?: () => Date } = {}): Promise<{ id: string; previous: string | null; status: 'published' | 'unchanged' }> {
  if (!isReleaseId(id)) throw cliError('RELEASE_ID_INVALID', `"${id}" is not a release id (see "apictl releases")`, { context: { release: id } });
  const meta = await readMeta(store, id);
  if (!meta) {
    const partial = (await store.list(releaseFolder(id))).objects.length > 0;
    throw cliError(
      partial ? 'RELEASE_INCOMPLETE' : 'RELEASE_NOT_FOUND',
      partial
        ? `release ${id} is incomplete in ${store.location} (a publish failed before ${releaseMetaKey(id)} was written); it was never live and cannot be rolled back to`
        : `no release ${id} in ${store.location} (see "apictl releases")`,
      { context: { release: id } },
    );
  }
  const before = await readCurrent(store);
  if (before?.body.release === id) return { id, previous: id, status: 'unchanged' };
  const now = (opts.now ?? (() => new Date()))().toISOString();
  await flipCurrent(store, before, { release: id, publishedAt: now, ...provenance, files: meta.files, previous: before?.body.release ?? null, rollback: true });
  return { id, previous: before?.body.release ?? null, status: 'published' };
}

async function readMeta(store: ReleaseStore, id: string): Promise<ReleaseMeta | null> {
  const got = await store.get(releaseMetaKey(id));
  if (!got) return null;
  try {
    return JSON.parse(Buffer.from(got.data).toString('utf8')) as ReleaseMeta;
  } catch {
    return null;
  }
}

export interface ReleaseEntry {
  id: string;
  complete: boolean;
  current: boolean;
  meta: ReleaseMeta | null;
  lastModified: Date | null;
}

/** Releases, newest first (by metadata time), the incomplete ones (folders without metadata) last. */
export async function listReleases(store: ReleaseStore, opts: { limit?: number } = {}): Promise<{ current: (Partial<CurrentBody> & { release: string }) | null; releases: ReleaseEntry[] }> {
  const current = (await readCurrent(store))?.body ?? null;
  const { objects, folders } = await store.list(RELEASES_PREFIX, { delimiter: '/' });
  const metas = objects
    .flatMap((o) => {
      const of = releaseOfKey(o.key);
      return of?.kind === 'meta' ? [{ id: of.id, lastModified: o.lastModified }] : [];
    })
    .sort((a, b) => (b.lastModified?.getTime() ?? 0) - (a.lastModified?.getTime() ?? 0));
  const entries: ReleaseEntry[] = [];
  for (const o of metas.slice(0, opts.limit ?? 20)) {
    entries.push({ id: o.id, complete: true, current: current?.release === o.id, meta: await readMeta(store, o.id), lastModified: o.lastModified ?? null });
  }
  const complete = new Set(metas.map((o) => o.id));
  for (const folder of folders) {
    const id = releaseOfKey(folder)?.id;
    if (id !== undefined && !complete.has(id)) entries.push({ id, complete: false, current: current?.release === id, meta: null, lastModified: null });
  }
  return { current, releases: entries };
}
