import { createReadStream, createWriteStream } from 'node:fs';
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { fsyncDir } from '@api-server/core';
import { parseRotatedName } from './rotated-name.js';

/**
 * The rotated files of one log (`haproxy.log.1.gz` newest .. `.N.gz`), logrotate's
 * numbering without logrotate: renames only, never copy-truncate, so a reader that
 * holds the file open (the metrics sidecar) reads on to its end.
 */
export interface RotationPolicy {
  keep: number;
  /** 0: by count only. */
  keepDays: number;
  gzipLevel: number;
}

/** `haproxy.log.7.gz` -> 7 (for `base` = `haproxy.log`); undefined for other names. */
export function rotatedIndex(name: string, base: string): number | undefined {
  const parsed = parseRotatedName(name, base);
  return parsed?.gz ? parsed.index : undefined;
}

/**
 * Makes room for a new `.1`: every `.k.gz` becomes `.(k+1).gz`, oldest first, and
 * those that would pass `keep` are deleted. Returns the names deleted.
 */
export async function shiftRotated(dir: string, base: string, keep: number): Promise<string[]> {
  const indexes = (await readdir(dir))
    .map((n) => rotatedIndex(n, base))
    .filter((i): i is number => i !== undefined)
    .sort((a, b) => b - a);
  const deleted: string[] = [];
  for (const i of indexes) {
    const from = join(dir, `${base}.${i}.gz`);
    if (i + 1 > keep) {
      await rm(from, { force: true });
      deleted.push(from);
    } else {
      await rename(from, join(dir, `${base}.${i + 1}.gz`));
    }
  }
  return deleted;
}

/**
 * `base.1` -> `base.1.gz`: gzip into a temp file, fsync, rename, then delete the
 * plain file. A crash at any point leaves either the plain file (compressed again on
 * start) or a complete `.gz` (the plain leftover is then deleted): never a line twice
 * once recovery ran, never a line lost.
 */
export async function compressRotated(dir: string, base: string, level: number): Promise<void> {
  const plain = join(dir, `${base}.1`);
  const gz = `${plain}.gz`;
  const tmp = `${gz}.tmp`;
  await pipeline(createReadStream(plain), createGzip({ level }), createWriteStream(tmp));
  const handle = await open(tmp, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, gz);
  await rm(plain, { force: true });
  await fsyncDir(dir);
}

/**
 * After a crash: a leftover temp file is deleted; a plain `.1` beside a complete
 * `.1.gz` is deleted; a plain `.1` alone is left for the caller to compress.
 * Returns true when a plain `.1` needs compressing.
 */
export async function recoverRotated(dir: string, base: string): Promise<boolean> {
  const plain = join(dir, `${base}.1`);
  await rm(`${plain}.gz.tmp`, { force: true });
  const [hasPlain, hasGz] = await Promise.all([exists(plain), exists(`${plain}.gz`)]);
  if (hasPlain && hasGz) {
    await rm(plain, { force: true });
    return false;
  }
  return hasPlain;
}

/** Deletes rotated files whose last write is older than `keepDays`. */
export async function pruneByAge(dir: string, base: string, keepDays: number, now = Date.now()): Promise<string[]> {
  if (keepDays <= 0) return [];
  const limit = now - keepDays * 86_400_000;
  const deleted: string[] = [];
  for (const name of await readdir(dir)) {
    if (rotatedIndex(name, base) === undefined) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (info && info.mtimeMs < limit) {
      await rm(path, { force: true });
      deleted.push(path);
    }
  }
  return deleted;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
