import { createHash } from 'node:crypto';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { versionId, type FetchResult, type Source } from '@api-server/core';
import { CURRENT_KEY, MAX_CURRENT_BYTES, parseCurrent, releaseFolder } from '@api-server/release';
import { planTree, treeTooLarge, type ListedObject, type TreeLimits } from '../plan.js';
import type { SyncedTree } from '../tree.js';
import { syncError } from '../error-codes.js';

/**
 * A local directory (`SOURCE_URL=file:///dir`), read with the same rules as a
 * bucket: a `CURRENT` file names `releases/<id>/`, otherwise the whole tree; the
 * same key checks and limits. A poll that finds every path, size and mtime as
 * before reads no file. Symlinks and special files are skipped: a link could
 * point anywhere.
 */
export class DirectorySource implements Source<SyncedTree> {
  readonly id: string;
  private last: { marker: string; tree: SyncedTree } | undefined;

  constructor(
    private readonly dir: string,
    private readonly limits: TreeLimits,
  ) {
    this.id = `file://${dir}`;
  }

  async fetch({ signal }: { index: string | undefined; signal: AbortSignal }): Promise<FetchResult<SyncedTree>> {
    signal.throwIfAborted();
    let root = this.dir;
    let pointer: ReturnType<typeof parseCurrent> | undefined;
    const currentPath = join(this.dir, CURRENT_KEY);
    const currentStat = await lstat(currentPath).catch(() => undefined);
    if (currentStat?.isFile()) {
      if (currentStat.size > MAX_CURRENT_BYTES) {
        throw syncError('CURRENT_INVALID', `refusing ${JSON.stringify(currentPath)}: larger than ${MAX_CURRENT_BYTES} bytes`, { context: { key: currentPath } });
      }
      pointer = parseCurrent(await readFile(currentPath), currentPath);
      // The layout's folder, without its trailing `/`: `root` is a directory path in messages and the state file.
      root = join(this.dir, releaseFolder(pointer.release)).replace(/\/+$/, '');
    }
    const listed = await scan(root, this.limits.maxObjects).catch((err: unknown) => {
      throw (err as NodeJS.ErrnoException).code === 'ENOENT' && pointer
        ? syncError('RELEASE_EMPTY', `refusing ${currentPath}: release "${pointer.release}" has no directory ${root}`, { context: { key: currentPath, release: pointer.release } })
        : err;
    });
    const marker = createHash('sha256').update(root).update(JSON.stringify(listed)).digest('hex');
    if (this.last?.marker === marker) return { value: this.last.tree, index: marker };
    const planned = planTree(listed, '', this.limits);
    if (planned.length === 0) {
      throw syncError(pointer ? 'RELEASE_EMPTY' : 'TREE_EMPTY', `refusing ${root}: no files (an empty tree never replaces the last good one)`, { context: { key: root } });
    }
    const files = await Promise.all(planned.map(async (o) => ({ path: o.path, data: await readFile(join(root, o.path)) })));
    const tree: SyncedTree = { id: versionId(files), files, mode: pointer ? 'release' : 'tree', location: root };
    if (pointer) Object.assign(tree, { release: pointer.release, meta: pointer.meta });
    this.last = { marker, tree };
    return { value: tree, index: marker };
  }
}

/** Regular files under `root` as listing entries (the mtime stands in for an ETag). */
async function scan(root: string, maxObjects: number): Promise<ListedObject[]> {
  const out: ListedObject[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await readdir(join(root, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) {
        const s = await lstat(join(root, path));
        out.push({ key: path, etag: String(s.mtimeMs), size: s.size });
        // Stop walking a runaway tree early.
        if (out.length > maxObjects) throw treeTooLarge(root, out.length, maxObjects);
      }
    }
  };
  await walk('');
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
