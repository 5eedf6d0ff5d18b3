import { PipelineError, readTree, versionId, type VersionFile } from '@api-server/core';
import { GLOBAL_FILE, sortsBeforeGlobal } from './global-section.js';
import { checkConfig } from './haproxy/check.js';
import { primaryDiagnostic, type Diagnostic } from './haproxy/diagnostics.js';
import { locate, readManifest } from './manifest.js';
import type { RenderedPointer } from './sources/rendered.js';

/** A rendered version turned into a live candidate: rendered files plus our `global` file. */
export interface Candidate {
  id: string;
  rendered: RenderedPointer;
  files: VersionFile[];
}

export type CheckedCandidate =
  | { valid: true; candidate: Candidate; warnings: Diagnostic[] }
  | { valid: false; candidate: Candidate | null; error: PipelineError };

/** A candidate built from a rendered version, or why it cannot be one (before any `haproxy -c`). */
export type BuiltCandidate = { ok: true; candidate: Candidate } | { ok: false; candidate: Candidate | null; error: PipelineError };

/**
 * Reads a rendered version, adds the supervisor's global file and checks file names
 * (no rendered file may take or sort before the global file's place).
 */
export async function buildCandidate(opts: { rendered: RenderedPointer; globalText: string }): Promise<BuiltCandidate> {
  let renderedFiles: VersionFile[];
  try {
    renderedFiles = await readTree(opts.rendered.dir);
  } catch (err) {
    const error = new PipelineError('RENDERED_UNREADABLE', `cannot read rendered version ${opts.rendered.id}: ${(err as Error).message}`, {
      cause: err,
      context: { version: opts.rendered.id, dir: opts.rendered.dir },
    });
    return { ok: false, candidate: null, error };
  }
  const files = [...renderedFiles.filter((f) => f.path !== GLOBAL_FILE), { path: GLOBAL_FILE, data: Buffer.from(opts.globalText, 'utf8') }];
  const candidate: Candidate = { id: versionId(files), rendered: opts.rendered, files };
  if (renderedFiles.some((f) => f.path === GLOBAL_FILE)) {
    const error = new PipelineError('CONFIG_INVALID', `${GLOBAL_FILE} is reserved for the supervisor's own global section; rename the template`, {
      context: { file: GLOBAL_FILE, template: readManifest(renderedFiles)?.files.find((f) => f.path === GLOBAL_FILE)?.template ?? null, line: null, text: null, rendered: opts.rendered.id },
    });
    return { ok: false, candidate, error };
  }
  const early = sortsBeforeGlobal(renderedFiles.map((f) => f.path));
  if (early.length > 0) {
    const error = new PipelineError(
      'CONFIG_INVALID',
      `${early.join(', ')} would be read before the supervisor's global section (${GLOBAL_FILE}), so its "log global" would log nowhere; name config files NN-name.cfg`,
      { context: { file: early[0], template: readManifest(renderedFiles)?.files.find((f) => f.path === early[0])?.template ?? null, line: null, text: null, rendered: opts.rendered.id } },
    );
    return { ok: false, candidate, error };
  }
  return { ok: true, candidate };
}

/**
 * Runs `haproxy -c` on a candidate in a scratch directory. An invalid result carries
 * CONFIG_INVALID with the rendered file, its template, the line and the line's text.
 */
export async function validateCandidate(opts: { bin: string; scratchRoot: string; candidate: Candidate }): Promise<CheckedCandidate> {
  const { candidate } = opts;
  const result = await checkConfig(opts.bin, opts.scratchRoot, candidate.files);
  if (result.valid) return { valid: true, candidate, warnings: result.diagnostics.filter((d) => d.level === 'warning') };
  const diag = primaryDiagnostic(result.diagnostics);
  const where = locate(diag, candidate.files, readManifest(candidate.files));
  const at = where.file ? ` (${where.template ?? where.file}${where.line ? `:${where.line}` : ''})` : '';
  const error = new PipelineError('CONFIG_INVALID', `haproxy -c rejected rendered version ${candidate.rendered.id}${at}: ${diag?.message ?? `exit code ${result.exitCode}`}`, {
    context: { ...where, rendered: candidate.rendered.id, exitCode: result.exitCode, alerts: result.diagnostics.filter((d) => d.level === 'alert').map((d) => d.message).slice(0, 10) },
  });
  return { valid: false, candidate, error };
}
