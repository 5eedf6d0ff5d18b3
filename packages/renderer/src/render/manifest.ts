import { versionId, type VersionFile } from '@api-server/core';
import type { RenderedFile } from './render-tree.js';

/** `manifest.json` of a rendered version (docs/architecture.md / renderer README). No timestamps: equal inputs, equal bytes. */
export interface Manifest {
  templates: string | null;
  files: Array<{ path: string; template: string | null }>;
  dependencies: string[];
  /** Outputs whose template failed: `kept` true when the file is its last good output, false when left out. Absent when none. */
  held?: HeldFile[];
}

export interface HeldFile {
  path: string;
  template: string;
  code: string;
  kept: boolean;
}

/** The complete version to publish: rendered files plus `manifest.json`, and its content id. */
export function buildRelease(
  files: readonly RenderedFile[],
  dependencies: readonly string[],
  templatesId: string | null,
  held: readonly HeldFile[] = [],
): { files: VersionFile[]; manifest: Manifest; id: string } {
  const manifest: Manifest = {
    templates: templatesId,
    files: files.map((f) => ({ path: f.path, template: f.template })),
    dependencies: [...dependencies],
    ...(held.length > 0 ? { held: held.map((h) => ({ ...h })) } : {}),
  };
  const out: VersionFile[] = [
    ...files.map((f) => ({ path: f.path, data: f.data })),
    { path: 'manifest.json', data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8') },
  ];
  return { files: out, manifest, id: versionId(out) };
}
