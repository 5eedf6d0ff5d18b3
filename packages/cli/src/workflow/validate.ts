import type { VersionFile } from '@api-server/core';
import type { RenderedFile } from '@api-server/renderer';
import { hasErrors, lineOf, type Diagnostic } from './diagnostics.js';
import { configFiles, findingColumn, parseConfigText, placeDiagnostics, type Section } from '@api-server/haproxy';
import { haproxyCheck } from './haproxy-check.js';
import { mapRenderedLines, type SourceLine } from './line-map.js';
import { duplicateProxies, emptyRenders, idleCloseOnResponse } from './lint.js';
import { policyFindings } from './policy.js';
import { DEFAULT_LIMITS, readRepo, type RepoLimits } from './read-repo.js';
import { renderRepo, type DataSpec, type RenderEnv } from './render-repo.js';
import { parseTemplate, unknownHelpers } from './template-ast.js';

export interface ValidateOptions extends RenderEnv {
  dir: string;
  data: DataSpec;
  /** `haproxy -c` on the result; false to skip (no HAProxy on this machine). */
  haproxy: { bin: string } | false;
  limits?: RepoLimits;
}

export interface ValidateReport {
  diagnostics: Diagnostic[];
  /** The template tree as read (what `publish` uploads). */
  templates: VersionFile[];
  rendered: RenderedFile[];
  timingsMs: Record<string, number>;
}

/**
 * Everything `apictl validate` checks, in order: the repository tree (unsafe or
 * unreadable files), template syntax and helper names, the render against the
 * catalog, lints and the node's policy (policy.yaml, file names) over the result,
 * then `haproxy -c` with the supervisor's own global file (only when nothing failed
 * before it: a half-rendered tree would only add confusing errors).
 */
export async function validateRepo(opts: ValidateOptions): Promise<ValidateReport> {
  const timingsMs: Record<string, number> = {};
  const timed = async <T>(name: string, fn: () => Promise<T> | T): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      timingsMs[name] = Math.round((performance.now() - t0) * 10) / 10;
    }
  };
  const repo = await timed('read', () => readRepo(opts.dir, opts.limits ?? DEFAULT_LIMITS));
  const diagnostics: Diagnostic[] = [...repo.diagnostics];

  const render = await timed('render', () => renderRepo(repo.files, opts.data, opts));
  const helperSpots = new Set<string>();
  for (const [file, source] of render.sources) {
    const ast = parseTemplate(source);
    if (!ast) continue;
    for (const call of unknownHelpers(ast)) {
      helperSpots.add(`${file}:${call.line}`);
      diagnostics.push({
        severity: 'error',
        code: 'LINT_UNKNOWN_HELPER',
        file,
        line: call.line,
        column: call.column,
        message: `unknown helper "${call.name}" (see the renderer's helper list)`,
        excerpt: lineOf(source, call.line) ?? '',
      });
    }
  }
  // The render pass reports an unknown helper it reached too; keep one finding per spot.
  diagnostics.push(...render.diagnostics.filter((d) => !(/Missing helper/.test(d.message) && helperSpots.has(`${d.file}:${d.line}`))));

  const rendered = render.result.files;
  const locate = locator(rendered, render.sources);
  const sections = await timed('lint', () => {
    const all: Section[] = [];
    for (const f of configFiles(rendered)) all.push(...parseConfigText(f.path, Buffer.from(f.data).toString('utf8')));
    return all;
  });
  const dupes = duplicateProxies(sections, (file, line) => {
    const at = locate({ severity: 'error', code: '', file, line, message: '' });
    return `${at.file}:${at.line}`;
  });
  diagnostics.push(...[...dupes, ...idleCloseOnResponse(sections)].map((d) => locate(d)));
  diagnostics.push(...emptyRenders(rendered));
  diagnostics.push(...(await timed('policy', () => policyFindings(rendered))).map((d) => locate(d)));
  if (opts.data.kind === 'fixture') diagnostics.push(...missingServices(render.result.dependencies, opts.data.catalog.fixture.services ?? {}, render.sources));

  if (opts.haproxy && !hasErrors(diagnostics)) {
    const haproxy = opts.haproxy;
    const check = await timed('haproxy', () => haproxyCheck(rendered, { bin: haproxy.bin }));
    const all = placeDiagnostics(check.diagnostics, sections);
    const findings = dupes.length ? all.filter(({ diag }) => !/has the same name as/.test(diag.detail)) : all;
    for (const { diag: f, file, line } of findings) {
      const text = file && line ? lineOf(Buffer.from(rendered.find((r) => r.path === file)?.data ?? []).toString('utf8'), line) : undefined;
      diagnostics.push(
        locate({
          severity: f.level === 'alert' ? 'error' : 'warning',
          code: f.level === 'alert' ? 'HAPROXY_CONFIG' : 'HAPROXY_WARNING',
          file: file ?? '(haproxy -c)',
          ...(line ? { line } : {}),
          ...(text !== undefined ? { column: findingColumn(f.detail, text), excerpt: text } : {}),
          message: f.detail,
        }),
      );
    }
    if (check.exitCode === 2) {
      diagnostics.push({ severity: 'warning', code: 'HAPROXY_NO_LISTENER', file: '.', message: 'configuration is valid but has no listener (no frontend or listen section binds a port)' });
    } else if (check.exitCode !== 0 && !findings.some(({ diag }) => diag.level === 'alert')) {
      diagnostics.push({ severity: 'error', code: 'HAPROXY_CONFIG', file: '(haproxy -c)', message: `haproxy -c exited ${check.exitCode}: ${check.output.trim().split('\n').slice(-3).join(' | ')}` });
    }
  }
  return { diagnostics, templates: repo.files, rendered, timingsMs };
}

/**
 * Moves a finding on a rendered file to the template line that produced it (keeping
 * the rendered line as a note); a finding that cannot be mapped stays on the
 * rendered file, which names its template.
 */
function locator(rendered: readonly RenderedFile[], sources: ReadonlyMap<string, string>): (d: Diagnostic) => Diagnostic {
  const partials = new Map([...sources].filter(([p]) => p.startsWith('partials/')).map(([p, s]) => [p.slice('partials/'.length, -'.hbs'.length), s]));
  const maps = new Map<string, Array<SourceLine | undefined>>();
  return (d) => {
    const file = rendered.find((r) => r.path === d.file);
    if (!file?.template) return d;
    // A finding on a whole rendered file (its name) belongs to its template.
    if (d.line === undefined) return { ...d, file: file.template };
    const source = sources.get(file.template);
    if (source === undefined) return d;
    let map = maps.get(file.path);
    if (!map) maps.set(file.path, (map = mapRenderedLines({ file: file.template, text: source }, Buffer.from(file.data).toString('utf8'), partials)));
    const at = map[d.line - 1];
    const renderedNote = `rendered ${d.file}:${d.line}${d.excerpt !== undefined ? `: ${d.excerpt.trim()}` : ''}`;
    if (!at) return { ...d, note: `from template ${file.template} (line not mapped)` };
    const column = d.excerpt !== undefined && d.column !== undefined ? findingColumn(d.message, at.text) : at.text.search(/\S/) + 1;
    return { ...d, file: at.file, line: at.line, column, excerpt: at.text, note: at.text.trim() === d.excerpt?.trim() ? undefined : renderedNote };
  };
}

/** Services the templates ask for that the catalog fixture lacks: they render no servers. */
function missingServices(dependencies: ReadonlyArray<{ kind: string; id: string; name?: string }>, services: Record<string, unknown>, sources: ReadonlyMap<string, string>): Diagnostic[] {
  const out: Diagnostic[] = [];
  const names = new Set(dependencies.filter((q) => q.kind === 'health.service' && q.name !== undefined).map((q) => q.name!));
  for (const name of [...names].sort()) {
    if (Object.hasOwn(services, name)) continue;
    const literal = `"${name}"`;
    const spot = [...sources].find(([, s]) => s.includes(literal));
    const line = spot ? spot[1].slice(0, spot[1].indexOf(literal)).split('\n').length : undefined;
    out.push({
      severity: 'warning',
      code: 'LINT_UNKNOWN_SERVICE',
      file: spot?.[0] ?? '.',
      ...(line !== undefined ? { line, column: (lineOf(spot![1], line) ?? '').indexOf(literal) + 1, excerpt: lineOf(spot![1], line) } : {}),
      message: `service "${name}" is not in the catalog fixture: its backend renders without servers (a typo, or add it to the fixture)`,
    });
  }
  return out;
}
