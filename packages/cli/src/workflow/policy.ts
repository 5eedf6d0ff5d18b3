import { checkPolicy, POLICY_FILE, resolvePolicy } from '@api-server/haproxy';
import { lineOf, type Diagnostic } from './diagnostics.js';

/**
 * The node's policy verdict on rendered files (the same `checkPolicy` the supervisor
 * runs before anything goes live), as findings on the rendered file and line; the
 * caller maps them to the template. A policy.yaml that does not parse is an error here
 * (a node would hold it and keep its previous policy).
 */
export function policyFindings(rendered: ReadonlyArray<{ path: string; data: Uint8Array }>): Diagnostic[] {
  const resolved = resolvePolicy(rendered);
  const out: Diagnostic[] = [];
  if (resolved.error) {
    out.push({ severity: 'error', code: 'POLICY_INVALID', file: POLICY_FILE, ...(resolved.error.line !== null ? { line: resolved.error.line } : {}), message: `${resolved.error.message} (nodes keep their previous policy)` });
  }
  for (const v of checkPolicy(resolved.policy, rendered)) {
    const text = v.line !== null ? lineOf(Buffer.from(rendered.find((r) => r.path === v.file)?.data ?? []).toString('utf8'), v.line) : undefined;
    out.push({
      severity: 'error',
      code: v.code,
      file: v.file,
      ...(v.line !== null ? { line: v.line } : {}),
      ...(v.column !== null ? { column: v.column } : {}),
      ...(text !== undefined ? { excerpt: text } : {}),
      message: `${v.message} [policy ${resolved.source === 'file' ? POLICY_FILE : 'built-in default'}: ${v.rule}]`,
    });
  }
  return out;
}
