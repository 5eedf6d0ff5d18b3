import { syncError } from './error-codes.js';

/** Why a key was refused; the literal reasons double as test-table values. */
export type UnsafeKeyReason =
  | 'outside the prefix'
  | 'empty path'
  | 'absolute path'
  | 'backslash'
  | 'control character'
  | 'empty segment'
  | 'dot segment'
  | 'percent-encoded dot segment or separator'
  | 'segment longer than 255 bytes';

// C0 and C1 controls plus DEL: a newline in a file name breaks every line-based tool
// an operator would use, and NUL is invalid on every file system.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Maps an object key to a path relative to the output directory, or throws
 * `UNSAFE_KEY` naming the key and the reason. Pure, so the whole policy is one
 * table-driven test. The path is what a reader sees under `templates/current`,
 * so anything that could climb out of it, or that different tools would
 * interpret differently (a backslash, a percent-encoded `..`), is refused rather
 * than "cleaned": a silently rewritten name is a name nobody wrote.
 */
export function keyToPath(key: string, prefix: string): string {
  const reason = unsafeReason(key, prefix);
  if (reason) {
    throw syncError('UNSAFE_KEY', `refusing S3 key ${JSON.stringify(key)}: ${reason}`, { context: { key, reason } });
  }
  return key.slice(prefix.length);
}

/** The reason `key` is unsafe under `prefix`, or null when it maps to a safe relative path. */
export function unsafeReason(key: string, prefix: string): UnsafeKeyReason | null {
  if (!key.startsWith(prefix)) return 'outside the prefix';
  const rel = key.slice(prefix.length);
  if (rel.length === 0) return 'empty path';
  if (CONTROL.test(rel)) return 'control character';
  if (rel.includes('\\')) return 'backslash';
  if (rel.startsWith('/')) return 'absolute path';
  for (const segment of rel.split('/')) {
    if (segment === '') return 'empty segment';
    if (segment === '.' || segment === '..') return 'dot segment';
    const decoded = percentDecode(segment);
    if (decoded !== segment && (decoded === '.' || decoded === '..' || /[/\\]/.test(decoded) || CONTROL.test(decoded))) {
      return 'percent-encoded dot segment or separator';
    }
    if (Buffer.byteLength(segment) > 255) return 'segment longer than 255 bytes';
  }
  return null;
}

/** Folder placeholders ("dir/", size 0) that S3 consoles create; they carry no file. */
export function isFolderMarker(key: string, size: number): boolean {
  return key.endsWith('/') && size === 0;
}

/** One round of percent-decoding; a malformed sequence (`100%.txt`) is left as written. */
function percentDecode(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
