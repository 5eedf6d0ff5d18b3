import Handlebars from 'handlebars';
import { PipelineError, type VersionFile } from '@api-server/core';
import type { DataView } from '../data-view.js';
import { compareStrings, type NodeInfo, type Query } from '../queries.js';
import { templateError } from './errors.js';
import { dataHelpers, nodeInfo } from './helpers-data.js';
import { formatHelpers } from './helpers-format.js';
import { sandboxedHandlebars } from './sandbox.js';
import { RenderScope } from './scope.js';

export interface RenderOptions {
  /** Environment `(env ...)` reads; only names in `envAllow` are visible. */
  env?: Readonly<Record<string, string | undefined>>;
  envAllow?: readonly string[];
  /** This node when known without Consul (NODE_NAME / NODE_IP); the rest comes from agent.self. */
  node?: Partial<NodeInfo>;
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
  /** Template failures, in path order. Only meaningful when `missing` is empty. */
  errors: PipelineError[];
}

const COMPILE = { noEscape: true, strict: true } as const;
// Prototype access stays off (the 4.6+ default), stated here so nobody flips it by accident.
const RUNTIME = { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false } as const;
const PARTIALS = 'partials/';
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Renders a template tree against a DataView. Pure: no file or network I/O, so
 * `apictl validate` can run it on a catalog fixture. Every `*.hbs` is rendered to the
 * name without `.hbs`, `partials/**.hbs` become partials, other files are copied.
 */
export function renderTree(templates: readonly VersionFile[], data: DataView, options: RenderOptions = {}): RenderResult {
  const scope = new RenderScope(data);
  const hb = sandboxedHandlebars(scope);
  hb.registerHelper(fieldsFirst(formatHelpers(scope)));
  hb.registerHelper(fieldsFirst(dataHelpers(scope, { env: options.env ?? {}, envAllow: options.envAllow ?? [], node: options.node ?? {} })));
  const errors: PipelineError[] = [];
  const files: RenderedFile[] = [];
  const sorted = [...templates].sort((a, b) => compareStrings(a.path, b.path));

  for (const file of sorted.filter((f) => isPartial(f.path))) {
    const partial = parse(hb, file, { template: file.path });
    if (partial instanceof PipelineError) {
      errors.push(partial);
      continue;
    }
    const compiled = hb.compile(partial, COMPILE);
    const name = file.path.slice(PARTIALS.length, -'.hbs'.length);
    // A wrapper, so an error inside the partial names the partial's file and line.
    hb.registerPartial(name, ((context: unknown, opts: Handlebars.RuntimeOptions) =>
      scope.within(file.path, () => {
        try {
          return compiled(context, opts);
        } catch (err) {
          throw templateError(err, 'render', scope.where(), partial);
        }
      })) as unknown as Handlebars.Template);
  }

  for (const file of sorted) {
    if (isPartial(file.path)) continue;
    if (!file.path.endsWith('.hbs')) {
      files.push({ path: file.path, data: file.data, template: null });
      continue;
    }
    const ast = parse(hb, file, { template: file.path });
    if (ast instanceof PipelineError) {
      errors.push(ast);
      continue;
    }
    try {
      const text = scope.within(file.path, () => hb.compile(ast, COMPILE)(rootContext(scope, options.node ?? {}), RUNTIME));
      files.push({ path: file.path.slice(0, -'.hbs'.length), data: Buffer.from(text, 'utf8'), template: file.path });
    } catch (err) {
      errors.push(templateError(err, 'render', { template: file.path }, ast));
    }
  }

  errors.push(...outputConflicts(files));
  return {
    files: files.sort((a, b) => compareStrings(a.path, b.path)),
    dependencies: [...scope.dependencies.values()].sort((a, b) => compareStrings(a.id, b.id)),
    missing: [...scope.missing.values()].sort((a, b) => compareStrings(a.id, b.id)),
    errors,
  };
}

function isPartial(path: string): boolean {
  return path.startsWith(PARTIALS) && path.endsWith('.hbs');
}

function parse(hb: typeof Handlebars, file: VersionFile, where: { template: string }): hbs.AST.Program | PipelineError {
  let source: string;
  try {
    source = utf8.decode(file.data);
  } catch (err) {
    return new PipelineError('TEMPLATE_PARSE', `${file.path}: not valid UTF-8 text`, { cause: err, context: where });
  }
  try {
    return hb.parse(source);
  } catch (err) {
    return templateError(err, 'parse', where);
  }
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
        new PipelineError('TEMPLATE_OUTPUT_CONFLICT', `${file.path}: produced by both ${other.template ?? other.path} and ${file.template ?? file.path}`, {
          context: { template: file.template ?? file.path, output: file.path },
        }),
      );
    }
    if (file.path === 'manifest.json') {
      errors.push(
        new PipelineError('TEMPLATE_OUTPUT_CONFLICT', 'manifest.json: this name is reserved for the renderer\'s manifest', {
          context: { template: file.template ?? file.path, output: file.path },
        }),
      );
    }
    seen.set(file.path, file);
  }
  return errors;
}
