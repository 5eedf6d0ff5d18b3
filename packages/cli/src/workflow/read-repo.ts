import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { assertSafeRelativePath, type VersionFile } from '@api-server/core';
import type { Diagnostic } from './diagnostics.js';
import { firstInvalidUtf8 } from './utf8.js';
import { cliError } from '../error-codes.js';

export interface RepoLimits {
  /** Larger files are refused before they are read (s3-sync's `S3_MAX_OBJECT_BYTES` default). */
  maxFileBytes: number;
  /** More files are refused (s3-sync's `S3_MAX_OBJECTS` default). */
  maxFiles: number;
}

export const DEFAULT_LIMITS: RepoLimits = { maxFileBytes: 10 * 1024 * 1024, maxFiles: 5000 };

/** Files whose bytes HAProxy or Handlebars read as text: they must be UTF-8. */
const TEXT = /\.(hbs|cfg|map|acl|lst|txt)$/;

export interface RepoTree {
  files: VersionFile[];
  diagnostics: Diagnostic[];
}

/** Documentation and tooling in the template folder are not part of a release. */
function isIgnored(name: string): boolean {
  return name.startsWith('.') || name.endsWith('.md');
}

/**
 * Reads the template tree of a config repository, exactly as `publish` would upload
 * it: paths relative and `/`-separated, sorted. Everything that would make a release
 * unsafe or unsyncable is a diagnostic naming the file, never a silent skip: a
 * symlink leaving the repository, a file over the size limit (not read at all), a
 * text file that is not UTF-8, a name s3-sync would refuse.
 */
export async function readRepo(root: string, limits: RepoLimits = DEFAULT_LIMITS): Promise<RepoTree> {
  const files: VersionFile[] = [];
  const diagnostics: Diagnostic[] = [];
  const realRoot = await realpath(root).catch((err: NodeJS.ErrnoException) => {
    throw cliError(
      'REPO_NOT_FOUND',
      err.code === 'ENOENT' ? `${root}: no such directory (give the template tree: a config repository's templates/)` : `${root}: cannot be read (${err.code ?? err.message})`,
      { context: { path: root } },
    );
  });
  if (!(await stat(realRoot)).isDirectory()) throw cliError('REPO_NOT_FOUND', `${root}: not a directory (give the template tree: a config repository's templates/)`, { context: { path: root } });
  const error = (file: string, code: string, message: string, extra: Partial<Diagnostic> = {}) =>
    diagnostics.push({ severity: 'error', code, file, message, ...extra });

  async function addFile(path: string, abs: string): Promise<void> {
    const info = await stat(abs);
    if (!info.isFile()) return void error(path, 'REPO_NOT_A_FILE', 'not a regular file (sockets, devices and FIFOs cannot be published)');
    if (info.size > limits.maxFileBytes) {
      return void error(path, 'REPO_FILE_TOO_LARGE', `${formatBytes(info.size)} is over the ${formatBytes(limits.maxFileBytes)} limit per file (s3-sync refuses it); keep large data out of the routing repository`);
    }
    const data = await readFile(abs);
    if (TEXT.test(path)) {
      const bad = firstInvalidUtf8(data);
      if (bad) {
        return void error(path, 'REPO_NOT_UTF8', `not valid UTF-8 (byte 0x${bad.byte.toString(16).padStart(2, '0')}); save the file as UTF-8`, {
          line: bad.line,
          column: bad.column,
          excerpt: new TextDecoder('utf-8').decode(data).split('\n')[bad.line - 1]?.replace(/\r$/, '') ?? '',
        });
      }
    }
    files.push({ path, data });
  }

  async function walk(rel: string): Promise<void> {
    const entries = await readdir(join(root, rel), { withFileTypes: true });
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (isIgnored(entry.name)) continue;
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      const abs = join(root, path);
      try {
        assertSafeRelativePath(path);
      } catch (err) {
        error(JSON.stringify(path).slice(1, -1), 'REPO_UNSAFE_NAME', (err as Error).message);
        continue;
      }
      if (entry.isDirectory()) {
        await walk(path);
      } else if (entry.isSymbolicLink()) {
        const target = await realpath(abs).catch(() => undefined);
        if (target === undefined) {
          error(path, 'REPO_SYMLINK_BROKEN', 'symbolic link to a file that does not exist');
        } else if (target !== realRoot && !target.startsWith(realRoot + sep)) {
          error(path, 'REPO_SYMLINK_ESCAPES', `symbolic link points outside the repository (${target}); copy the file in instead`);
        } else if ((await lstat(target)).isDirectory()) {
          error(path, 'REPO_SYMLINK_DIR', `symbolic link to a directory (${relative(realRoot, target) || '.'}) is not supported; link files, or move the directory`);
        } else {
          await addFile(path, target);
        }
      } else {
        await addFile(path, abs);
      }
    }
  }

  await walk('');
  if (files.length > limits.maxFiles) {
    error('.', 'REPO_TOO_MANY_FILES', `${files.length} files is over the limit of ${limits.maxFiles} (s3-sync refuses larger trees)`);
  }
  return { files, diagnostics };
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}
