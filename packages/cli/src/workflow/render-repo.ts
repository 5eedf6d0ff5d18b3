import type { VersionFile } from '@api-server/core';
import { fixtureDataView, renderTree, type Refusal, type RenderResult } from '@api-server/renderer';
import type { Catalog } from './catalog.js';
import type { ConsulSnapshot } from './consul-snapshot.js';
import type { Diagnostic } from './diagnostics.js';
import { templateDiagnostic } from './template-errors.js';

/** Where template data comes from: a catalog fixture, or a live Consul. */
export type DataSpec = { kind: 'fixture'; catalog: Catalog } | { kind: 'consul'; snapshot: ConsulSnapshot };

export interface RenderEnv {
  /** Values `(env ...)` may read; its keys are the allow-list. */
  env: Record<string, string>;
  node?: { name?: string; address?: string };
}

export interface RepoRender {
  result: RenderResult;
  diagnostics: Diagnostic[];
  /** Template sources by path, for excerpts. */
  sources: Map<string, string>;
}

/** Consul answers arrive per pass: a pass that met new queries renders again (consul-template's model). */
const MAX_PASSES = 10;

/** Renders the tree as the renderer would, and turns its errors into diagnostics. */
export async function renderRepo(files: readonly VersionFile[], data: DataSpec, renderEnv: RenderEnv): Promise<RepoRender> {
  const env = { ...(data.kind === 'fixture' ? data.catalog.env : {}), ...renderEnv.env };
  const options = { env, envAllow: Object.keys(env), node: { ...(data.kind === 'fixture' ? data.catalog.fixture.node : {}), ...renderEnv.node } };
  let result: RenderResult;
  const refused: Refusal[] = [];
  if (data.kind === 'fixture') {
    result = renderTree(files, fixtureDataView(data.catalog.fixture, { onRefused: (r) => refused.push(r) }), options);
  } else {
    let pass = 0;
    for (;;) {
      result = renderTree(files, data.snapshot.view, options);
      if (result.missing.length === 0 || ++pass >= MAX_PASSES) break;
      await data.snapshot.answer(result.missing);
    }
    refused.push(...data.snapshot.refused);
  }
  const sources = new Map(files.filter((f) => f.path.endsWith('.hbs')).map((f) => [f.path, Buffer.from(f.data).toString('utf8')]));
  const diagnostics = result.errors.map((e) => templateDiagnostic(e, sources));
  for (const q of result.missing) {
    diagnostics.push({ severity: 'error', code: 'CONSUL_NO_ANSWER', file: '.', message: `no answer for ${q.id} after ${MAX_PASSES} passes` });
  }
  diagnostics.push(...refusalWarnings(refused));
  return { result, diagnostics, sources };
}

/**
 * One warning per value the renderer's checks left out of the data (a fixture or Consul
 * value with a line break, a bad address or port), once each: a node renders without it.
 */
export function refusalWarnings(refused: readonly Refusal[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const r of refused) {
    const what = [r.service && `service ${r.service}`, r.instance && `instance ${r.instance}`, r.key && `key ${r.key}`].filter(Boolean).join(' ');
    const message = `${what} ${r.field}: ${r.reason} (left out, as a node would)`;
    if (seen.has(message)) continue;
    seen.add(message);
    out.push({ severity: 'warning', code: 'CONSUL_VALUE_REFUSED', file: '.', message });
  }
  return out;
}
