import { open, rename, rm, mkdir, readFile } from 'node:fs/promises';
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
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, opts: { skipIfEqual?: boolean } = {}): Promise<boolean> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  if (opts.skipIfEqual) {
    const existing = await readFile(path).catch(() => undefined);
    if (existing && Buffer.compare(existing, Buffer.from(data)) === 0) return false;
  }
  const tmp = join(dir, `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFileSynced(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return true;
}
