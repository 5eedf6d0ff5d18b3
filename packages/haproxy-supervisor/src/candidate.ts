import { bytes, readTree, versionId, type PipelineError, type VersionFile } from '@api-server/core';
import { checkConfig, checkPolicy, parseSections, POLICY_FILE, primaryDiagnostic, resolvePolicy, type Diagnostic, type Policy } from '@api-server/haproxy';
import { blame, substituteHeld, type HeldFile, type Hold } from './hold.js';
import { supervisorError } from './error-codes.js';
import { locate, readManifest } from './manifest.js';
import type { RenderedPointer } from './sources/rendered.js';

/**
 * A rendered version turned into a live candidate: rendered files (held ones at their
 * last good output) plus our `global` file. `files` is exactly what HAProxy will run.
 */
export interface Candidate {
  id: string;
  rendered: RenderedPointer;
  files: VersionFile[];
  /** Files that do not go live as rendered, and why. */
  held: HeldFile[];
  /** Where the policy came from: the version's policy.yaml, the live one (it was broken), or the built-in default. */
  policySource: 'file' | 'fallback' | 'default';
}

/** What a candidate is rebuilt from when `haproxy -c` blames more files. */
interface Inputs {
  rendered: RenderedPointer;
  renderedFiles: VersionFile[];
  live: readonly VersionFile[] | null;
  policy: Policy;
  policySource: Candidate['policySource'];
  globalText: string;
  previous: readonly HeldFile[];
}

/** `invalid`: how many `haproxy -c` runs failed on the way (each failure holds more files, or rejects). */
export type CheckedCandidate =
  | { valid: true; candidate: Candidate; warnings: Diagnostic[]; invalid: number }
  | { valid: false; candidate: Candidate | null; error: PipelineError; invalid: number };

/** A candidate built from a rendered version, or why it cannot be one (before any `haproxy -c`). */
export type BuiltCandidate = { ok: true; candidate: Candidate } | { ok: false; candidate: Candidate | null; error: PipelineError };

/** Rounds of "hold what `haproxy -c` blames, check again" before the whole version is rejected. */
const MAX_HOLD_ROUNDS = 5;

const inputs = new WeakMap<Candidate, Inputs>();

/**
 * Reads a rendered version, applies its policy (policy.yaml; a broken one is held at
 * the live copy and the live policy applies) and adds the supervisor's global file.
 * A file breaking the policy (including the file-name rules: no rendered file may take
 * or sort before the global file's place) is held; every other file goes ahead.
 */
export async function buildCandidate(opts: {
  rendered: RenderedPointer;
  globalText: string;
  live?: readonly VersionFile[] | null;
  /** The live version passed this process's checks (policy included): its unchanged files need no new verdict. */
  liveJudged?: boolean;
  previous?: readonly HeldFile[];
}): Promise<BuiltCandidate> {
  let renderedFiles: VersionFile[];
  try {
    renderedFiles = await readTree(opts.rendered.dir);
  } catch (err) {
    const error = supervisorError('RENDERED_UNREADABLE', `cannot read rendered version ${opts.rendered.id}: ${(err as Error).message}`, {
      cause: err,
      context: { version: opts.rendered.id, dir: opts.rendered.dir },
    });
    return { ok: false, candidate: null, error };
  }
  const live = opts.live ?? null;
  const fallback = live ? resolvePolicy(live) : null;
  const resolved = resolvePolicy(renderedFiles, fallback?.source === 'file' ? fallback.policy : null);
  const holds = new Map<string, Hold>();
  if (resolved.error) holds.set(POLICY_FILE, { file: POLICY_FILE, code: 'POLICY_INVALID', reason: `policy.yaml: ${resolved.error.message} (the ${resolved.source === 'fallback' ? 'live' : 'built-in'} policy applies)`, line: resolved.error.line });
  for (const v of checkPolicy(resolved.policy, opts.liveJudged ? unjudged(renderedFiles, live) : renderedFiles)) {
    if (!holds.has(v.file)) holds.set(v.file, { file: v.file, code: v.code, reason: `${v.message} [${v.rule}]`, line: v.line });
  }
  const input: Inputs = { rendered: opts.rendered, renderedFiles, live, policy: resolved.policy, policySource: resolved.source, globalText: opts.globalText, previous: opts.previous ?? [] };
  return { ok: true, candidate: assemble(input, holds) };
}

/**
 * The rendered files the policy still has to judge: under an unchanged policy.yaml, a
 * file byte-equal to its copy in a live version this process judged passed it already
 * (live copies are judged too; a version left by an older supervisor is judged again).
 * Saves most of the check on a server-only change of 1,000 backends.
 */
function unjudged(rendered: readonly VersionFile[], live: readonly VersionFile[] | null): VersionFile[] {
  if (!live) return [...rendered];
  const byPath = new Map(live.map((f) => [f.path, f.data]));
  const same = (path: string) => {
    const a = rendered.find((f) => f.path === path)?.data;
    const b = byPath.get(path);
    return a === undefined || b === undefined ? a === b : bytes(a).equals(bytes(b));
  };
  if (!same(POLICY_FILE)) return [...rendered];
  return rendered.filter((f) => {
    const previous = byPath.get(f.path);
    return previous === undefined || !bytes(f.data).equals(bytes(previous));
  });
}

function assemble(input: Inputs, holds: ReadonlyMap<string, Hold>): Candidate {
  const { files, runs } = substituteHeld({ rendered: input.renderedFiles, live: input.live, holds, policy: input.policy, globalText: input.globalText });
  const manifest = readManifest(input.renderedFiles);
  const now = new Date().toISOString();
  const held: HeldFile[] = [...holds.values()].map((h) => ({
    file: h.file,
    template: manifest?.files.find((f) => f.path === h.file)?.template ?? null,
    since: input.previous.find((p) => p.file === h.file)?.since ?? now,
    code: h.code,
    reason: h.reason,
    line: h.line,
    runs: runs.get(h.file) ?? 'none',
  }));
  const candidate: Candidate = { id: versionId(files), rendered: input.rendered, files, held, policySource: input.policySource };
  inputs.set(candidate, input);
  return candidate;
}

/**
 * Runs `haproxy -c` on a candidate in a scratch directory. When it fails on rendered
 * files, those are held (their live copy, or left out) and the check runs again, up to
 * {@link MAX_HOLD_ROUNDS} times; the result is the candidate that passed. When the
 * alerts blame no rendered file (or the rounds run out), the whole version is
 * rejected: HAPROXY_CHECK_FAILED with the rendered file, its template, the line and its text.
 */
export async function validateCandidate(opts: { bin: string; scratchRoot: string; candidate: Candidate; hold?: boolean }): Promise<CheckedCandidate> {
  let candidate = opts.candidate;
  for (let round = 0; ; round++) {
    const result = await checkConfig(opts.bin, opts.scratchRoot, candidate.files);
    if (result.valid) return { valid: true, candidate, warnings: result.diagnostics.filter((d) => d.level === 'warning'), invalid: round };
    const input = inputs.get(candidate);
    const more = input && opts.hold !== false && !result.notRun && round < MAX_HOLD_ROUNDS ? nextHolds(candidate, input, result.diagnostics) : null;
    if (!more) return { valid: false, candidate, error: rejection(candidate, result.diagnostics, result.exitCode), invalid: round + 1 };
    candidate = assemble(input!, more);
  }
}

/** The holds for the next round, or null when the alerts blame nothing new (reject). */
function nextHolds(candidate: Candidate, input: Inputs, diagnostics: readonly Diagnostic[]): Map<string, Hold> | null {
  // A held file already left out stays out (its live copy failed or never existed).
  const holds = new Map<string, Hold>(candidate.held.map((h) => [h.file, h.runs === 'none' ? { ...h, omit: true as const } : h]));
  const proxies = parseSections(candidate.files);
  let changed = false;
  for (const h of blame(diagnostics, proxies, new Set(input.renderedFiles.map((f) => f.path)))) {
    const already = holds.get(h.file);
    if (!already) holds.set(h.file, h);
    // Its live copy fails with this version's other files: leave it out.
    else if (!already.omit && candidate.held.find((x) => x.file === h.file)?.runs === 'live') holds.set(h.file, { ...already, omit: true });
    else continue;
    changed = true;
  }
  return changed ? holds : null;
}

function rejection(candidate: Candidate, diagnostics: readonly Diagnostic[], exitCode: number): PipelineError {
  const diag = primaryDiagnostic(diagnostics);
  const where = locate(diag, candidate.files, readManifest(candidate.files));
  const at = where.file ? ` (${where.template ?? where.file}${where.line ? `:${where.line}` : ''})` : '';
  return supervisorError('HAPROXY_CHECK_FAILED', `haproxy -c rejected rendered version ${candidate.rendered.id}${at}: ${diag?.message ?? `exit code ${exitCode}`}`, {
    context: { ...where, rendered: candidate.rendered.id, exitCode, alerts: diagnostics.filter((d) => d.level === 'alert').map((d) => d.message).slice(0, 10) },
  });
}
