import { createHash, randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fsyncDir, orUndefined, writeFileSynced } from './atomic-file.js';
import { coreError } from './errors.js';

/** One file of a version: a path relative to the version root, and its bytes. */
export interface VersionFile {
  path: string;
  data: Uint8Array;
}

/** Where a stage publishes: `<root>/current` -> `releases/<id>/` (docs/architecture.md, principle 2). */
export interface VersionStore {
  root: string;
  /** Versions kept besides `current` (default 5). */
  keep?: number;
  /** A version younger than this is never pruned: a reader may still be inside it. */
  pruneGraceMs?: number;
}

const DEFAULT_GRACE_MS = 30_000;

export interface PublishResult {
  id: string;
  dir: string;
  /** False when `current` already named this content: nothing was written. */
  changed: boolean;
}

/** Content id: sha256 over sorted paths and bytes. Equal trees get equal ids on every node. */
export function versionId(files: readonly VersionFile[]): string {
  const hash = createHash('sha256');
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(file.path).update('\0').update(String(file.data.byteLength)).update('\0').update(file.data);
  }
  return hash.digest('hex').slice(0, 16);
}

/** Rejects a relative path that is absolute, empty, or climbs out with `..`. */
export function assertSafeRelativePath(path: string): void {
  const parts = path.split('/');
  if (
    path.length === 0 ||
    path.startsWith('/') ||
    parts.some((p) => p === '..' || p === '.' || p === '') ||
    /[\x00-\x1f\x7f\\]/.test(path)
  ) {
    throw coreError('UNSAFE_PATH', `refusing path "${path}": it must stay inside the version directory`, {
      context: { path },
    });
  }
}

/** The version `current` names, or null when nothing was published yet. Sync on purpose (atomic-file.ts says why). */
export async function readCurrent(root: string): Promise<{ id: string; dir: string } | null> {
  try {
    const target = readlinkSync(join(root, 'current'));
    const dir = resolve(root, target);
    return { id: dir.split(sep).pop() ?? target, dir };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Publishes `files` as a complete, immutable version and swaps `current` to it.
 * The version is written to a temp directory, fsynced, renamed to `releases/<id>`,
 * then a new symlink is renamed over `current`. The link is relative, so the same
 * volume mounted at another path in another container still resolves.
 */
export async function publishVersion(
  store: VersionStore,
  files: readonly VersionFile[],
  id = versionId(files),
  /** Runs once the version is on disk, just before `current` names it (only when it changes): a sidecar a reader of the new `current` must find. */
  beforeSwap?: () => Promise<void>,
): Promise<PublishResult> {
  const releases = join(store.root, 'releases');
  const dir = join(releases, id);
  const current = await readCurrent(store.root);
  if (current?.id === id) return { id, dir, changed: false };

  // Every call here but fsync is synchronous: see atomic-file.ts for why.
  mkdirSync(releases, { recursive: true });
  if (!existsSync(dir)) {
    const tmp = join(releases, `.tmp-${id}-${randomBytes(4).toString('hex')}`);
    try {
      const dirs = new Set<string>();
      for (const file of files) {
        assertSafeRelativePath(file.path);
        const target = join(tmp, file.path);
        const parent = dirname(target);
        if (!dirs.has(parent)) {
          mkdirSync(parent, { recursive: true });
          dirs.add(parent);
        }
        await writeFileSynced(target, file.data);
      }
      mkdirSync(tmp, { recursive: true });
      for (const d of [...dirs].sort((a, b) => b.length - a.length)) await fsyncDir(d);
      await fsyncDir(tmp);
      renameSync(tmp, dir);
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
    await fsyncDir(releases);
  } else {
    // Re-publishing an older version (rollback): mark it recent so pruning keeps it.
    const now = new Date();
    utimesSync(dir, now, now);
  }
  await beforeSwap?.();
  await swapCurrent(store.root, relative(store.root, dir));
  if (pruneDue(store)) await prune(store, id);
  return { id, dir, changed: true };
}

/** When each store (by root) was last scanned for pruning. */
const lastPrune = new Map<string, number>();

/**
 * A prune scan reads every release (an lstat each), and every version younger than the
 * grace period is on disk: ~90 of them at three changes a second, ~2 ms of a publish.
 * Those versions are kept anyway, so the scan runs at most once per 1/30 of the grace
 * (1 s by default): an expired version stays at most that much longer.
 */
function pruneDue(store: VersionStore): boolean {
  const now = Date.now();
  if (now - (lastPrune.get(store.root) ?? Number.NEGATIVE_INFINITY) < (store.pruneGraceMs ?? DEFAULT_GRACE_MS) / 30) return false;
  lastPrune.set(store.root, now);
  return true;
}

/** Points `current` at `target` (relative to root) with one rename(2). */
export async function swapCurrent(root: string, target: string): Promise<void> {
  const tmpLink = join(root, `.current-${randomBytes(4).toString('hex')}`);
  symlinkSync(target, tmpLink);
  try {
    renameSync(tmpLink, join(root, 'current'));
  } catch (err) {
    rmSync(tmpLink, { force: true });
    throw err;
  }
  await fsyncDir(root);
}

/** Keeps the newest `keep` versions plus `current`; drops temp dirs a crash left behind. */
async function prune(store: VersionStore, currentId: string): Promise<string[]> {
  const keep = store.keep ?? 5;
  const grace = store.pruneGraceMs ?? DEFAULT_GRACE_MS;
  const releases = join(store.root, 'releases');
  // Pruning is housekeeping, never a publish's failure: what cannot be listed or stat'ed is left alone.
  const entries = orUndefined(() => readdirSync(releases)) ?? [];
  const now = Date.now();
  const aged: { name: string; mtime: number }[] = [];
  for (const name of entries) {
    const s = orUndefined(() => lstatSync(join(releases, name)));
    if (!s) continue;
    aged.push({ name, mtime: s.mtimeMs });
  }
  const removed: string[] = [];
  const versions = aged.filter((e) => !e.name.startsWith('.')).sort((a, b) => b.mtime - a.mtime);
  for (const [i, v] of versions.entries()) {
    if (v.name === currentId || i < keep || now - v.mtime < grace) continue;
    rmSync(join(releases, v.name), { recursive: true, force: true });
    removed.push(v.name);
  }
  // Temp directories from a crash mid-publish: old enough that no writer owns them.
  for (const t of aged.filter((e) => e.name.startsWith('.tmp-') && now - e.mtime > grace)) {
    rmSync(join(releases, t.name), { recursive: true, force: true });
  }
  return removed;
}
