import { join } from 'node:path';
import { publishVersion, readCurrent, readTree, swapCurrent, type PublishResult, type VersionFile } from '@api-server/core';

/** A live version: what HAProxy loads from `live/current`. */
export interface LiveVersion {
  id: string;
  dir: string;
  files: VersionFile[];
}

/**
 * `live/current` -> `live/releases/<id>/`: only versions that passed `haproxy -c`.
 * Publishing swaps the link before the reload (the master re-executes and resolves
 * `live/current` again); a failed reload points it back with `restore`.
 */
export class LiveStore {
  readonly root: string;
  /** The last version read or published: versions are immutable, so the same id means the same files. */
  private cached: LiveVersion | null = null;

  constructor(sharedDir: string) {
    this.root = join(sharedDir, 'live');
  }

  /** The path HAProxy is given for `-C` and `-f`. */
  get currentPath(): string {
    return join(this.root, 'current');
  }

  async current(): Promise<LiveVersion | null> {
    const pointer = await readCurrent(this.root);
    if (!pointer) return null;
    if (this.cached?.id === pointer.id) return this.cached;
    try {
      this.cached = { ...pointer, files: await readTree(pointer.dir) };
      return this.cached;
    } catch {
      return null;
    }
  }

  /** Publishes a checked candidate; its id is already the content hash of its files (not hashed again). */
  async publish(version: { id: string; files: VersionFile[] }): Promise<PublishResult> {
    const result = await publishVersion({ root: this.root }, version.files, version.id);
    this.cached = { id: result.id, dir: result.dir, files: version.files };
    return result;
  }

  /** Points `current` back at an already published version (rollback after a failed reload). */
  restore(id: string): Promise<void> {
    return swapCurrent(this.root, join('releases', id));
  }
}
