import type { Diagnostic } from './diagnostics.js';
import { lastValue, optionState, sectionName, type Section } from '@api-server/haproxy';

/**
 * Lints over the rendered configuration, in HAProxy's load order (files sorted,
 * sections in order). Each finding is placed on the rendered file and line; the
 * caller maps it back to the template. Pure.
 */

const PROXIES = new Set(['frontend', 'backend', 'listen']);

/**
 * Two teams declaring the same proxy name. HAProxy refuses two backends (or two
 * frontends) of one name, and a `listen` clashes with both; a frontend and a
 * backend may share one.
 */
export function duplicateProxies(sections: readonly Section[], where: (file: string, line: number) => string = (f, l) => `${f}:${l}`): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Map<string, Section>();
  for (const s of sections) {
    const name = sectionName(s);
    if (!PROXIES.has(s.kind) || !name) continue;
    const keys = s.kind === 'listen' ? ['frontend', 'backend'] : [s.kind];
    for (const side of keys) {
      const key = `${side}\0${name}`;
      const first = seen.get(key);
      if (first) {
        out.push({
          severity: 'error',
          code: 'LINT_DUPLICATE_PROXY',
          file: s.file,
          line: s.line,
          column: s.column,
          message: `${s.kind} "${name}" is already declared as ${first.kind} in ${where(first.file, first.line)}; proxy names must be unique across all files (prefix it with your team)`,
          excerpt: s.text,
        });
        break;
      }
      seen.set(key, s);
    }
  }
  return out;
}

/**
 * Measured on HAProxy 2.6: on a reload the old worker closes idle keep-alive connections under
 * the client; `option idle-close-on-response` makes it answer one last request with
 * `Connection: close` instead. Warns on an HTTP `defaults` without it, and on an HTTP
 * frontend that neither sets it nor inherits it from a defaults already warned about.
 */
export function idleCloseOnResponse(sections: readonly Section[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const OPTION = 'idle-close-on-response';
  let defaults: { mode: string | undefined; option: boolean | undefined; warned: boolean } = { mode: undefined, option: undefined, warned: false };
  const warn = (s: Section, message: string) =>
    out.push({ severity: 'warning', code: 'LINT_IDLE_CLOSE', file: s.file, line: s.line, column: s.column, message, excerpt: s.text });
  for (const s of sections) {
    if (s.kind === 'defaults') {
      const mode = lastValue(s, 'mode');
      const option = optionState(s, OPTION);
      const warned = mode === 'http' && option !== true;
      if (warned) warn(s, `HTTP defaults section without "option ${OPTION}": keep-alive clients race with reloads (add the option here)`);
      defaults = { mode, option, warned };
    } else if (s.kind === 'frontend' || s.kind === 'listen') {
      const mode = lastValue(s, 'mode') ?? defaults.mode;
      if (mode !== 'http') continue;
      const own = optionState(s, OPTION);
      const effective = own ?? defaults.option;
      if (effective === true) continue;
      if (own === undefined && defaults.warned) continue;
      warn(s, `HTTP ${s.kind} "${sectionName(s)}" without "option ${OPTION}": keep-alive clients race with reloads (set it here or in its defaults)`);
    }
  }
  return out;
}

/** `.cfg.hbs` templates that rendered to nothing but whitespace: usually a condition that is never true. */
export function emptyRenders(files: ReadonlyArray<{ path: string; template: string | null; data: Uint8Array }>): Diagnostic[] {
  return files
    .filter((f) => f.template !== null && f.path.endsWith('.cfg') && Buffer.from(f.data).toString('utf8').trim() === '')
    .map((f) => ({
      severity: 'warning' as const,
      code: 'LINT_EMPTY_RENDER',
      file: f.template!,
      message: `renders to an empty ${f.path} with this catalog (a block whose condition is never true, or a loop over a service with no instances?)`,
    }));
}
