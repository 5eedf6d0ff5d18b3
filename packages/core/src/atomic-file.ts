import { open, rename, rm, mkdir, readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, basename, join } from 'node:path';

/** fsync a directory so a rename inside it survives a power cut. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes and fsyncs one file (the caller renames it into place). */
export async function writeFileSynced(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const handle = await open(path, 'w', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `path` atomically: temp file in the same directory, fsync, rename. Readers
 * see the old bytes or the new ones, never a mix. Equal bytes: nothing is written.
 * `durable: false` skips the fsync, for files rewritten on every change that only
 * report (state files, textfiles): after a power cut they may show an older report,
 * which the next write replaces, and the fsync would hold up every change on a busy disk.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, opts: { skipIfEqual?: boolean; durable?: boolean } = {}): Promise<boolean> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  if (opts.skipIfEqual) {
    const existing = await readFile(path).catch(() => undefined);
    if (existing && Buffer.compare(existing, Buffer.from(data)) === 0) return false;
  }
  const tmp = join(dir, `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    if (opts.durable === false) await writeFile(tmp, data);
    else await writeFileSynced(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return true;
}
