import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { VersionFile } from './versions.js';

/**
 * Reads every regular file under `dir` into memory, paths relative and `/`-separated,
 * sorted. Symlinks are not followed: a version is a plain tree.
 */
export async function readTree(dir: string): Promise<VersionFile[]> {
  const out: VersionFile[] = [];
  async function walk(rel: string): Promise<void> {
    const entries = await readdir(join(dir, rel), { withFileTypes: true });
    for (const entry of entries) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) out.push({ path, data: await readFile(join(dir, path)) });
      // Symlinks and special files are skipped on purpose: a link could point outside.
    }
  }
  await walk('');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
