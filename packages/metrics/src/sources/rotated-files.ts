import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseRotatedName } from '@api-server/log-shipper';
import { openLogSource, type LogSource } from './log-source.js';

/** Which file the tailer was in: the inode for plain files, the content fingerprint for any. */
export interface FileIdentity {
  inode: number;
  head: string;
  headLength: number;
}

/**
 * Names of a log and its rotations, newest first: `haproxy.log`, then `haproxy.log.N`
 * and `haproxy.log.N.gz` by ascending N (the log-shipper's numbering: `.1` is the
 * newest rotation). A plain `.N` beside `.N.gz` is the same text caught mid-compression:
 * both are listed, plain first, and `successorsOf` counts them as one. Other names
 * (`.tmp`, other logs) are ignored.
 */
export function orderLogFiles(names: readonly string[], base: string): string[] {
  const ranked: Array<{ name: string; index: number; gz: boolean }> = [];
  for (const name of names) {
    const rotated = name === base ? { index: 0, gz: false } : parseRotatedName(name, base);
    if (rotated) ranked.push({ name, ...rotated });
  }
  return ranked.sort((a, b) => a.index - b.index || Number(a.gz) - Number(b.gz)).map((r) => r.name);
}

/** The rotation number of a listed name (0 for the live file). */
function rotationNumber(name: string, base: string): number {
  return parseRotatedName(name, base)?.index ?? 0;
}

/** Opened files of one moment, newest first. */
export interface Snapshot {
  files: Array<{ name: string; number: number; source: LogSource }>;
  close(except?: readonly LogSource[]): Promise<void>;
}

/**
 * Opens the live file and every rotation. The log-shipper may rotate meanwhile, so
 * the names are listed again after opening and the snapshot retried until both
 * listings agree (same names, same inodes): then the order is the true age order.
 */
export async function openSnapshot(path: string, attempts = 5): Promise<Snapshot> {
  const dir = join(path, '..');
  const base = path.slice(dir.length + 1);
  for (let attempt = 1; ; attempt++) {
    const names = orderLogFiles(await listDir(dir), base);
    const files: Snapshot['files'] = [];
    for (const name of names) {
      const source = await openLogSource(join(dir, name)).catch(() => undefined); // gone meanwhile: the check below retries
      if (source) files.push({ name, number: rotationNumber(name, base), source });
    }
    const close = async (except: readonly LogSource[] = []) => {
      await Promise.all(files.filter((f) => !except.includes(f.source)).map((f) => f.source.close()));
    };
    if (attempt >= attempts || (await unchanged(dir, base, names, files))) return { files, close };
    await close();
  }
}

async function unchanged(dir: string, base: string, names: string[], files: Snapshot['files']): Promise<boolean> {
  if (files.length !== names.length) return false;
  const again = orderLogFiles(await listDir(dir), base);
  if (again.join('\n') !== names.join('\n')) return false;
  for (const f of files) {
    const now = await stat(join(dir, f.name)).catch(() => undefined);
    if (now?.ino !== f.source.inode) return false;
  }
  return true;
}

/** A directory that does not exist (yet) has no log files. */
async function listDir(dir: string): Promise<string[]> {
  return readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
}

/** Index of the file `id` names: a plain file by inode and fingerprint, a `.gz` by fingerprint. */
export async function findFile(snapshot: Snapshot, id: FileIdentity): Promise<number> {
  for (const [i, f] of snapshot.files.entries()) {
    if (f.source.kind === 'plain' ? f.source.inode !== id.inode : id.headLength === 0) continue;
    if ((await f.source.head(id.headLength)) === id.head) return i;
  }
  return -1;
}

/**
 * The files newer than the one at `index`, oldest first (the order to read them in),
 * one per rotation number (a plain `.N` preferred over its `.N.gz` twin).
 */
export function newerThan(snapshot: Snapshot, index: number): LogSource[] {
  const from = snapshot.files[index]?.number ?? Number.POSITIVE_INFINITY;
  return oldestFirst(snapshot.files.filter((f) => f.number < from));
}

/**
 * The files last modified at or after `ms`, oldest first, one per rotation number. For
 * a file that is gone from the directory (deleted by retention, or by a rotation scheme
 * that deletes `.1`): every file written after its last write is newer than it. "At"
 * too: file times have a coarse clock tick, and counting a file twice is preferred to
 * skipping one.
 */
export async function modifiedSince(snapshot: Snapshot, ms: number): Promise<LogSource[]> {
  const times = await Promise.all(snapshot.files.map((f) => f.source.modifiedMs()));
  return oldestFirst(snapshot.files.filter((_, i) => times[i]! >= ms));
}

function oldestFirst(files: Snapshot['files']): LogSource[] {
  const out: LogSource[] = [];
  let last = -1;
  for (const f of files) {
    if (f.number === last) continue;
    out.push(f.source);
    last = f.number;
  }
  return out.reverse();
}
