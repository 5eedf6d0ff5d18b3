import Handlebars from 'handlebars';
import { PipelineError } from '@api-server/core/base';
import type { VersionFile } from '@api-server/core';
import type { DataView } from '../data-view.js';
import { compareStrings, type NodeInfo, type Query } from '../queries.js';
import { templateError } from './errors.js';
import { rendererError } from '../error-codes.js';
import { parseTemplate, rotateParsed, specOf, templateOf } from './parsed-templates.js';
import { IterationMemo } from './memo.js';
import { dataHelpers, nodeInfo } from './helpers-data.js';
import { formatHelpers } from './helpers-format.js';
import { guardEach, isStringLengthError, outputTooLarge } from './limits.js';
import { sandboxedHandlebars } from './sandbox.js';
import { RenderScope } from './scope.js';
import { TrackingView } from './tracking-view.js';

export interface RenderOptions {
  /** Environment `(env ...)` reads; only names in `envAllow` are visible. */
  env?: Readonly<Record<string, string | undefined>>;
  envAllow?: readonly string[];
  /** This node when known without Consul (NODE_NAME / NODE_IP); the rest comes from agent.self. */
  node?: Partial<NodeInfo>;
  /** Largest output of one file in bytes: over it, that file fails with TEMPLATE_OUTPUT_TOO_LARGE. */
  maxFileBytes?: number;
  /** Templates not to render this time (held by the caller): no output, no failure. */
  skip?: ReadonlySet<string>;
  /** Called as each template starts, so a caller that stops a stuck render knows which file it was. */
  onTemplate?: (template: string) => void;
}

/** A template that did not produce its output; the caller holds `output` at its last good bytes. */
export interface FileFailure {
  template: string;
  output: string;
  error: PipelineError;
}

/** One output file; `template` is the `.hbs` it came from, null for a copied file. */
export interface RenderedFile extends VersionFile {
  template: string | null;
}

export interface RenderResult {
  /** Outputs sorted by path (only the ones that rendered; see `errors`). */
  files: RenderedFile[];
  /** Every query the templates asked, sorted by id: the watches to run. */
  dependencies: Query[];
  /** Queries with no answer yet: the pass is incomplete and must not be published. */
  missing: Query[];
  /** Template failures, in path order (each once; a broken partial included). Only meaningful when `missing` is empty. */
  errors: PipelineError[];
  /** The outputs that failed, by template, in path order. */
  failed: FileFailure[];
  /** Template -> the query ids it read this time (partials count for the template that included them). */
  usedBy: Record<string, string[]>;
}

// Prototype access stays off (the 4.6+ default), stated here so nobody flips it by accident.
const RUNTIME = { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false } as const;
const PARTIALS = 'partials/';

/**
 * Renders a template tree against a DataView. Pure: no file or network I/O, so
 * `apictl validate` can run it on a catalog fixture. Every `*.hbs` is rendered to the
 * name without `.hbs`, `partials/**.hbs` become partials, other files are copied.
 */
export function renderTree(templates: readonly VersionFile[], data: DataView, options: RenderOptions = {}): RenderResult {
  rotateParsed();
  const view = new TrackingView(data);
  const scope = new RenderScope(view);
  const hb = sandboxedHandlebars(scope);
  hb.registerHelper(fieldsFirst(formatHelpers(scope)));
  hb.registerHelper(fieldsFirst(dataHelpers(scope, { env: options.env ?? {}, envAllow: options.envAllow ?? [], node: options.node ?? {} })));
  const maxBytes = options.maxFileBytes;
  if (maxBytes !== undefined) {
    guardEach(hb, maxBytes, () => {
      throw outputTooLarge(scope.where().template, maxBytes + 1, maxBytes, 'file', rootOf(scope));
    });
  }
  const errors: PipelineError[] = [];
  const failed: FileFailure[] = [];
  const files: RenderedFile[] = [];
  const sorted = [...templates].sort((a, b) => compareStrings(a.path, b.path));
  const memoSafe = prepareMemo(hb, sorted, options);
  memo.install(hb, scope, () => memoSafe);
  const fail = (template: string, output: string, error: PipelineError) => {
    if (!errors.includes(error)) errors.push(error);
    failed.push({ template, output, error });
  };

  for (const file of sorted.filter((f) => isPartial(f.path))) {
    const name = file.path.slice(PARTIALS.length, -'.hbs'.length);
    const partial = parseTemplate(hb, file, { template: file.path });
    if (partial instanceof PipelineError) {
      errors.push(partial);
      // Registered anyway, so a template that includes it fails with this error (and is
      // held), not with "partial not found"; a template that does not include it is unaffected.
      hb.registerPartial(name, (() => {
        throw partial;
      }) as unknown as Handlebars.Template);
      continue;
    }
    let compiled: Handlebars.TemplateDelegate | undefined;
    // A wrapper, so an error inside the partial names the partial's file and line.
    hb.registerPartial(name, ((context: unknown, opts: Handlebars.RuntimeOptions) =>
      scope.within(file.path, () => {
        try {
          compiled ??= templateOf(hb, partial);
          return compiled(context, opts);
        } catch (err) {
          throw templateError(err, 'render', scope.where(), partial.ast);
        }
      })) as unknown as Handlebars.Template);
  }

  for (const file of sorted) {
    if (isPartial(file.path) || options.skip?.has(file.path)) continue;
    if (!file.path.endsWith('.hbs')) {
      files.push({ path: file.path, data: file.data, template: null });
      continue;
    }
    const output = file.path.slice(0, -'.hbs'.length);
    options.onTemplate?.(file.path);
    view.current = file.path;
    const ast = parseTemplate(hb, file, { template: file.path });
    if (ast instanceof PipelineError) {
      fail(file.path, output, ast);
      continue;
    }
    try {
      const text = scope.within(file.path, () => templateOf(hb, ast)(rootContext(scope, options.node ?? {}), RUNTIME));
      const data = Buffer.from(text, 'utf8');
      if (maxBytes !== undefined && data.length > maxBytes) throw outputTooLarge(file.path, data.length, maxBytes, 'file');
      files.push({ path: output, data, template: file.path });
    } catch (err) {
      const error = isStringLengthError(err)
        ? outputTooLarge(file.path, Number.MAX_SAFE_INTEGER, maxBytes ?? 0, 'file', { detail: 'the output exceeds the largest string V8 can hold' })
        : templateError(err, 'render', { template: file.path }, ast.ast);
      fail(file.path, output, error);
    }
  }
  view.current = undefined;

  for (const conflict of outputConflicts(files)) {
    fail(String(conflict.context['template']), String(conflict.context['output']), conflict);
  }
  return {
    files: files.sort((a, b) => compareStrings(a.path, b.path)),
    dependencies: [...scope.dependencies.values()].sort((a, b) => compareStrings(a.id, b.id)),
    missing: [...scope.missing.values()].sort((a, b) => compareStrings(a.id, b.id)),
    errors,
    failed,
    usedBy: view.usedBy(),
  };
}

/** The render worker's one memo of loop iterations (see IterationMemo); it outlives renders. */
const memo = new IterationMemo();

/** Loop iterations served from the memo and rendered, since the start. */
export function iterationMemoStats(): { hits: number; misses: number } {
  return { ...memo.stats };
}

/**
 * Starts the memo's render: its key is every template's text (by parse serial) and
 * the options a template can read. Returns whether the memo may serve this tree: every
 * template and partial parsed and compiled, and none reads `../`, block parameters of
 * an outer loop, or decorators (what an iteration's key would not show).
 */
function prepareMemo(hb: typeof Handlebars, sorted: readonly VersionFile[], options: RenderOptions): boolean {
  const allowed = Object.fromEntries((options.envAllow ?? []).map((name) => [name, options.env?.[name] ?? null]));
  let key = JSON.stringify([allowed, options.node ?? {}, options.maxFileBytes ?? null]);
  let safe = true;
  for (const file of sorted) {
    if (!file.path.endsWith('.hbs') || options.skip?.has(file.path)) continue;
    const parsed = parseTemplate(hb, file, { template: file.path });
    key += `\0${file.path}\0${parsed instanceof PipelineError ? 'error' : parsed.serial}`;
    if (parsed instanceof PipelineError) {
      safe = false;
      continue;
    }
    try {
      const spec = specOf(hb, parsed);
      if (spec.useDepths || spec.useBlockParams || spec.useDecorators) safe = false;
    } catch {
      safe = false;
    }
  }
  memo.begin(key);
  return safe;
}

/** `includedFrom` when the loop over the cap sits in a partial. */
function rootOf(scope: RenderScope): Record<string, unknown> {
  const where = scope.where();
  return where.includedFrom === undefined ? {} : { includedFrom: where.includedFrom };
}

function isPartial(path: string): boolean {
  return path.startsWith(PARTIALS) && path.endsWith('.hbs');
}


/**
 * The root context: only `node`, whose fields are getters so that `{{node.name}}`
 * registers the agent.self dependency only in templates that read it. (Handlebars
 * copies the context's own properties for `{{> partial x=1}}`, so the getters sit one
 * level down, where that copy does not evaluate them.)
 */
function rootContext(scope: RenderScope, configured: Partial<NodeInfo>): object {
  const node = {};
  for (const field of ['name', 'address'] as const) {
    Object.defineProperty(node, field, { enumerable: true, get: () => nodeInfo(scope, configured)[field] });
  }
  return { node };
}

/**
 * In Handlebars a bare `{{key}}` calls the helper `key` even inside
 * `{{#each (tree "p")}}` where the entry has a `key` field (same for `{{node}}` inside
 * `(service ..)`). With no arguments and a context that has that field, the field wins:
 * templates read naturally and strict mode does not trip over the clash.
 */
function fieldsFirst(helpers: Record<string, Handlebars.HelperDelegate>): Record<string, Handlebars.HelperDelegate> {
  const out: Record<string, Handlebars.HelperDelegate> = {};
  for (const [name, helper] of Object.entries(helpers)) {
    out[name] = function (this: unknown, ...args: unknown[]) {
      if (args.length === 1 && this !== null && typeof this === 'object' && Object.hasOwn(this, name)) {
        return (this as Record<string, unknown>)[name];
      }
      return (helper as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
  return out;
}

/** Two sources for one output (`a.cfg` and `a.cfg.hbs`), or a file shadowing the manifest. */
function outputConflicts(files: RenderedFile[]): PipelineError[] {
  const seen = new Map<string, RenderedFile>();
  const errors: PipelineError[] = [];
  for (const file of files) {
    const other = seen.get(file.path);
    if (other) {
      errors.push(
        rendererError('TEMPLATE_OUTPUT_CONFLICT', `${file.path}: produced by both ${other.template ?? other.path} and ${file.template ?? file.path}`, {
          context: { template: file.template ?? file.path, output: file.path },
        }),
      );
    }
    if (file.path === 'manifest.json') {
      errors.push(
        rendererError('TEMPLATE_OUTPUT_CONFLICT', 'manifest.json: this name is reserved for the renderer\'s manifest', {
          context: { template: file.template ?? file.path, output: file.path },
        }),
      );
    }
    seen.set(file.path, file);
  }
  return errors;
}
