import type { VersionFile } from '@api-server/core';
import { checkPolicy, GLOBAL_FILE, placeDiagnostics, POLICY_FILE, withGlobal, type Diagnostic, type Policy, type ProxyDeclaration } from '@api-server/haproxy';

/** Why one rendered file does not go live as rendered. */
export interface Hold {
  file: string;
  /** `POLICY_*` (policy.yaml said no) or `HAPROXY_CHECK` (`haproxy -c` failed on it). */
  code: string;
  reason: string;
  line: number | null;
  /** Its live copy failed too: leave the file out. */
  omit?: true;
}

/** A held file as the state file, the log and `apictl status` show it. */
export interface HeldFile extends Hold {
  template: string | null;
  /** When this file was first held (kept while it stays held). */
  since: string;
  /** `live`: its last good output (from live/current) runs; `none`: it was never live, so it is left out. */
  runs: 'live' | 'none';
}

/**
 * The files HAProxy will run: the rendered files, each held one replaced by its copy in
 * the live version, or left out when it was never live or its live copy breaks the
 * current policy too; then the supervisor's global file. Pure.
 */
export function substituteHeld(opts: {
  rendered: readonly VersionFile[];
  live: readonly VersionFile[] | null;
  holds: ReadonlyMap<string, Hold>;
  policy: Policy;
  globalText: string;
}): { files: VersionFile[]; runs: Map<string, 'live' | 'none'> } {
  const runs = new Map<string, 'live' | 'none'>();
  const files: VersionFile[] = [];
  for (const file of opts.rendered) {
    const hold = opts.holds.get(file.path);
    if (!hold) {
      files.push(file);
      continue;
    }
    const previous = file.path === GLOBAL_FILE || hold.omit ? undefined : opts.live?.find((f) => f.path === file.path);
    const usable = previous && (file.path === POLICY_FILE || checkPolicy(opts.policy, [previous]).length === 0);
    runs.set(file.path, usable ? 'live' : 'none');
    if (usable) files.push(previous);
  }
  return { files: withGlobal(files, opts.globalText), runs };
}

/**
 * The rendered files a failed `haproxy -c` blames, with the first alert for each
 * (placed by `placeDiagnostics`: file:line, the proxy's declaration, or the file
 * HAProxy's summary names). Files that are not rendered config (the supervisor's
 * global file) are not blamable: when nothing else is named, the caller rejects the
 * whole version. Pure.
 */
export function blame(diagnostics: readonly Diagnostic[], proxies: readonly ProxyDeclaration[], renderedPaths: ReadonlySet<string>): Hold[] {
  const out = new Map<string, Hold>();
  for (const { diag, file, line } of placeDiagnostics(diagnostics, proxies)) {
    if (diag.level !== 'alert' || !file || !renderedPaths.has(file) || file === GLOBAL_FILE || out.has(file)) continue;
    out.set(file, { file, code: 'HAPROXY_CHECK', reason: diag.detail, line: line ?? null });
  }
  return [...out.values()];
}
