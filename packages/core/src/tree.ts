import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VersionFile } from './versions.js';

/**
 * Reads every regular file under `dir` into memory, paths relative and `/`-separated,
 * sorted. Symlinks are not followed: a version is a plain tree. Sync reads on purpose
 * (atomic-file.ts says why); async in signature so callers stay free to change that.
 */
export async function readTree(dir: string): Promise<VersionFile[]> {
  const out: VersionFile[] = [];
  function walk(rel: string): void {
    const entries = readdirSync(join(dir, rel), { withFileTypes: true });
    for (const entry of entries) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) out.push({ path, data: readFileSync(join(dir, path)) });
      // Symlinks and special files are skipped on purpose: a link could point outside.
    }
  }
  walk('');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
