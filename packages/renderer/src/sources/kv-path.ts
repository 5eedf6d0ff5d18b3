import { rendererError } from '../error-codes.js';

/**
 * Keeps template-chosen names inside the Consul endpoint they are meant for. The
 * renderer's token may read much more than KV (`/v1/acl/tokens`, `/v1/agent/self`), and
 * URL parsing resolves `..` segments (also `%2e%2e`) and, in http URLs, reads `\` as `/`:
 * `(key "../acl/tokens")` would otherwise leave `/v1/kv`. Pure.
 */

/** Longest KV key or prefix a template may ask for. */
const MAX_KV_PATH_CHARS = 512;

const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029?#%\\]/u;

/**
 * Why `path` is not a KV key (`kind: 'key'`) or prefix (`kind: 'prefix'`) a template may
 * read, or undefined. Segments separated by `/`, none empty, `.` or `..`; no leading
 * `/`; no `?`, `#`, `%`, `\` or control characters. A prefix may be empty (the whole
 * KV store) and may end with one `/`.
 */
export function kvPathProblem(path: string, kind: 'key' | 'prefix'): string | undefined {
  if (path.length > MAX_KV_PATH_CHARS) return `longer than ${MAX_KV_PATH_CHARS} characters`;
  const bad = FORBIDDEN.exec(path);
  if (bad) return `contains ${JSON.stringify(bad[0])} (not allowed in a KV path)`;
  if (path.startsWith('/')) return 'starts with "/" (KV paths are relative to the KV store)';
  if (kind === 'prefix' && path === '') return undefined;
  if (path === '') return 'empty';
  const segments = (kind === 'prefix' && path.endsWith('/') ? path.slice(0, -1) : path).split('/');
  if (segments.some((s) => s === '')) return 'has an empty segment ("//" or a trailing "/")';
  if (segments.some((s) => s === '.' || s === '..')) return 'has a "." or ".." segment';
  return undefined;
}

/**
 * `/kv/<key>` with each segment encoded (slashes stay separators). Throws
 * `CONSUL_KV_PATH` for a path `kvPathProblem` refuses: the helpers check first (with the
 * template's line); this is the last guard before a request is built.
 */
export function kvPath(path: string, kind: 'key' | 'prefix'): string {
  const problem = kvPathProblem(path, kind);
  if (problem) throw rendererError('CONSUL_KV_PATH', `KV ${kind} refused: ${problem}`, { context: { kind, problem } });
  return `/kv/${path.split('/').map(encodeURIComponent).join('/')}`;
}

/** Why `name` cannot be a service name in a URL path, or undefined (`.`/`..` would walk up; controls never). */
export function serviceNameProblem(name: string): string | undefined {
  if (name === '') return 'empty';
  if (name === '.' || name === '..') return `"${name}" is not a service name`;
  if (name.length > MAX_KV_PATH_CHARS) return `longer than ${MAX_KV_PATH_CHARS} characters`;
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u.test(name)) return 'contains a control character';
  return undefined;
}

/** `/health/service/<name>`, the name one encoded segment; throws `CONSUL_SERVICE_NAME` for a refused name. */
export function serviceNamePath(name: string): string {
  const problem = serviceNameProblem(name);
  if (problem) throw rendererError('CONSUL_SERVICE_NAME', `service name refused: ${problem}`, { context: { problem } });
  return `/health/service/${encodeURIComponent(name)}`;
}
