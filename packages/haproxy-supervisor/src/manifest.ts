import { bytes, z, type VersionFile } from '@api-server/core';
import type { Diagnostic } from '@api-server/haproxy';

/** `manifest.json` of a rendered version, as the renderer writes it. */
export interface Manifest {
  templates: string | null;
  files: Array<{ path: string; template: string | null }>;
}

const manifestSchema = z.object({
  templates: z.string().nullable().optional(),
  files: z.array(z.object({ path: z.string(), template: z.string().nullable().optional() })).default([]),
});

/**
 * Reads `manifest.json` from a rendered version's files. A missing or unreadable
 * manifest is not fatal: the config is still checked, errors just name no template.
 */
export function readManifest(files: readonly VersionFile[]): Manifest | null {
  const file = files.find((f) => f.path === 'manifest.json');
  if (!file) return null;
  try {
    const parsed = manifestSchema.parse(JSON.parse(bytes(file.data).toString('utf8')));
    return { templates: parsed.templates ?? null, files: parsed.files.map((f) => ({ path: f.path, template: f.template ?? null })) };
  } catch {
    return null;
  }
}

/** Where an error points, in terms an engineer can act on: rendered file, its template, the line. */
export interface ConfigLocation {
  file: string | null;
  template: string | null;
  line: number | null;
  /** The offending rendered line, trimmed. */
  text: string | null;
}

/** Maps a diagnostic back to the rendered file, its source template and the line's text. */
export function locate(diag: Partial<Diagnostic> | undefined, files: readonly VersionFile[], manifest: Manifest | null): ConfigLocation {
  const file = diag?.file ?? null;
  const line = diag?.line ?? null;
  if (!file) return { file: null, template: null, line: null, text: null };
  const template = manifest?.files.find((f) => f.path === file)?.template ?? null;
  let text: string | null = null;
  const data = files.find((f) => f.path === file)?.data;
  if (data && line !== null) {
    text = bytes(data).toString('utf8').split('\n')[line - 1]?.trim() ?? null;
  }
  return { file, template, line, text };
}
