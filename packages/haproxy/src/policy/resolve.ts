import { bytes } from '@api-server/core';
import { DEFAULT_POLICY } from './default.js';
import { parsePolicy, POLICY_FILE, type Policy, type PolicyParseError } from './schema.js';

/** The policy that applies to a version, and where it came from. */
export interface ResolvedPolicy {
  policy: Policy;
  /** `file`: the version's own policy.yaml; `fallback`: what the caller passed (its policy.yaml was broken); `default`: built in. */
  source: 'file' | 'fallback' | 'default';
  /** Why the version's policy.yaml was not used. */
  error: PolicyParseError | null;
}

/**
 * The policy of a version: its `policy.yaml` when there is one and it parses; when it
 * is broken, `fallback` (the supervisor passes the live version's policy) or else the
 * built-in default, with the error to report. Pure.
 */
export function resolvePolicy(files: ReadonlyArray<{ path: string; data: Uint8Array }>, fallback: Policy | null = null): ResolvedPolicy {
  const file = files.find((f) => f.path === POLICY_FILE);
  if (!file) return { policy: DEFAULT_POLICY, source: 'default', error: null };
  const parsed = parsePolicy(bytes(file.data).toString('utf8'));
  if (parsed.ok) return { policy: parsed.policy, source: 'file', error: null };
  return { policy: fallback ?? DEFAULT_POLICY, source: fallback ? 'fallback' : 'default', error: parsed.error };
}
