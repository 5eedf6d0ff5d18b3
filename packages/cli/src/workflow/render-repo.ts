import type { VersionFile } from '@api-server/core';
import { applyTotalCap, DEFAULT_LIMITS, fixtureRefusals, RenderWorker, type Refusal, type RenderData, type RenderResult } from '@api-server/renderer';
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

/** The render worker's heap here: as on a node by default (RENDER_WORKER_MAX_HEAP_MB). */
const WORKER_HEAP_MB = 256;

/**
 * Renders the tree as the renderer would (in its render worker, with a node's default
 * limits: time budget per file, size caps per file and per version), and turns its
 * errors into diagnostics.
 */
export async function renderRepo(files: readonly VersionFile[], data: DataSpec, renderEnv: RenderEnv): Promise<RepoRender> {
  const env = { ...(data.kind === 'fixture' ? data.catalog.env : {}), ...renderEnv.env };
  const options = { env, envAllow: Object.keys(env), node: { ...(data.kind === 'fixture' ? data.catalog.fixture.node : {}), ...renderEnv.node } };
  const worker = new RenderWorker({ render: { ...options, maxFileBytes: DEFAULT_LIMITS.maxFileBytes }, timeoutMs: DEFAULT_LIMITS.timeoutMs, heapMb: WORKER_HEAP_MB });
  const templates = { id: 'repo', files };
  const render = async (source: RenderData) => withTotalCap(await worker.render({ templates, data: source }));
  let result: RenderResult;
  try {
    if (data.kind === 'fixture') {
      result = await render({ fixture: data.catalog.fixture });
    } else {
      let pass = 0;
      for (;;) {
        result = await render({ cache: data.snapshot.values });
        if (result.missing.length === 0 || ++pass >= MAX_PASSES) break;
        await data.snapshot.answer(result.missing);
      }
    }
  } finally {
    await worker.close();
  }
  const sources = new Map(files.filter((f) => f.path.endsWith('.hbs')).map((f) => [f.path, Buffer.from(f.data).toString('utf8')]));
  const diagnostics = result.errors.map((e) => templateDiagnostic(e, sources));
  for (const q of result.missing) {
    diagnostics.push({ severity: 'error', code: 'CONSUL_NO_ANSWER', file: '.', message: `no answer for ${q.id} after ${MAX_PASSES} passes` });
  }
  // The fixture is checked inside the render worker; its refusals are found again here, per query the templates asked.
  const refused: Refusal[] = data.kind === 'fixture' ? fixtureRefusals(data.catalog.fixture, result.dependencies) : data.snapshot.refused;
  diagnostics.push(...refusalWarnings(refused));
  return { result, diagnostics, sources };
}

/**
 * One warning per value the renderer's checks left out of the data (a fixture or Consul
 * value with a line break, a bad address or port), once each: a node renders without it.
 */
function refusalWarnings(refused: readonly Refusal[]): Diagnostic[] {
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

/** The per-version size cap, as a node applies it (a file over it is an error here). */
function withTotalCap(result: RenderResult): RenderResult {
  const capped = applyTotalCap(result.files, DEFAULT_LIMITS.maxTotalBytes);
  if (capped.failed.length === 0) return result;
  return { ...result, files: capped.files, failed: [...result.failed, ...capped.failed], errors: [...result.errors, ...capped.failed.map((f) => f.error)] };
}
