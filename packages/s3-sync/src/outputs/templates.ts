import { join } from 'node:path';
import { PipelineError, publishVersion, readCurrent, readTree, type PublishResult, type VersionFile } from '@api-server/core';
import type { SyncedTree } from '../tree.js';
import { syncError } from '../error-codes.js';

/**
 * `SHARED_DIR/templates`: `current` -> `releases/<id>/`, written only through
 * core's `publishVersion` (complete version, fsync, one rename), so the renderer
 * never sees half a sync, and a crash at any point leaves the last good version.
 */
export class TemplatesOutput {
  readonly root: string;

  constructor(sharedDir: string) {
    this.root = join(sharedDir, 'templates');
  }

  /** The version `current` names, with its files; null when there is none (or it cannot be read). */
  async lastGood(): Promise<{ id: string; files: VersionFile[] } | null> {
    const current = await readCurrent(this.root);
    if (!current) return null;
    return { id: current.id, files: await readTree(current.dir) };
  }

  /** Publishes the tree; `changed` is false when `current` already held exactly this content. */
  async publish(tree: SyncedTree): Promise<PublishResult> {
    try {
      return await publishVersion({ root: this.root }, tree.files, tree.id);
    } catch (err) {
      if (err instanceof PipelineError) throw err;
      throw syncError('PUBLISH_FAILED', `could not publish version ${tree.id} under ${this.root}: ${(err as Error).message}`, {
        cause: err,
        context: { id: tree.id, root: this.root, location: tree.location },
      });
    }
  }
}
