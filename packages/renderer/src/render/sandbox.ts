import Handlebars from 'handlebars';
import { arity, describe, fail, helperCall } from './args.js';
import type { RenderScope } from './scope.js';

type Spec = { main: (container: Container, ...rest: unknown[]) => unknown } & Record<string, unknown>;
/** Handlebars' compiler class, which its type declarations leave out. */
type CompilerClass = new () => unknown;
type Container = { strict: (obj: unknown, name: string, loc: unknown) => unknown; lookupProperty: (obj: unknown, name: string) => unknown };

/**
 * A Handlebars environment with the sandbox holes closed:
 *
 * - every lookup needs an *own* property. Handlebars' `strict` checks `name in obj`,
 *   so `{{constructor}}`, `{{toString}}` or `{{tags.map}}` passed the check and then
 *   rendered as '' (prototype access is denied, silently); now they fail with the line.
 *   Lenient lookups (helper arguments) answer undefined, without Handlebars' warning.
 * - `{{@key}}`, `{{@index}}`, `{{@first}}`, `{{@last}}` (any `@data` variable without
 *   arguments) read the data variable: Handlebars resolved `{{@key}}` as the helper
 *   `key` first.
 * - `log` (writes any text to stdout) is replaced by a helper that fails, and `lookup`
 *   by one that checks its arguments and reads own properties only.
 */
export function sandboxedHandlebars(scope: RenderScope): typeof Handlebars {
  const hb = Handlebars.create();
  const env = hb as unknown as { Compiler: CompilerClass };
  env.Compiler = dataVariablesFirst(env.Compiler);
  const template = hb.template.bind(hb);
  hb.template = ((spec: Spec) => template(ownPropertiesOnly(spec) as never)) as typeof hb.template;
  hb.registerHelper(sandboxHelpers(scope));
  return hb;
}

const isOwn = (obj: unknown, name: string) =>
  obj !== null && obj !== undefined && (typeof obj === 'object' || typeof obj === 'string' || typeof obj === 'function') && Object.hasOwn(Object(obj), name);

/**
 * Lenient lookups (helper arguments) read own properties only, like Handlebars with
 * prototype access off, but without its once-per-name multi-line warning on stderr
 * (a template could otherwise print non-JSON lines into the renderer's log).
 */
function lookupOwn(obj: unknown, name: string): unknown {
  return isOwn(obj, name) ? (obj as Record<string, unknown>)[name] : undefined;
}

/** Strict lookups that accept only own properties (strings' `length` included). */
function strictOwn(obj: unknown, name: string, loc: unknown): unknown {
  if (!isOwn(obj, name)) {
    // The kind of value only, never the value (it may be a 4 KiB string from Consul).
    const kind = obj === null || obj === undefined ? String(obj) : Array.isArray(obj) ? 'a list' : typeof obj === 'object' ? 'an object' : `a ${typeof obj}`;
    throw new Handlebars.Exception(`"${name}" not defined in ${kind}`, { loc } as unknown as hbs.AST.Node);
  }
  return (obj as Record<string, unknown>)[name];
}

/**
 * Every compiled template (and partial) runs with one `container`; its `strict` is
 * swapped for `strictOwn` before the template body runs. Nested programs (`{{#each}}`
 * bodies) get the same container, so the swap covers them too.
 */
function ownPropertiesOnly(spec: Spec): Spec {
  const main = spec.main;
  return {
    ...spec,
    main(this: unknown, container: Container, ...rest: unknown[]) {
      container.strict = strictOwn;
      container.lookupProperty = lookupOwn;
      return main.call(this, container, ...rest);
    },
  };
}

/** A compiler that never reads `{{@name}}` as a call of the helper `name`. */
function dataVariablesFirst(Base: CompilerClass): CompilerClass {
  const base = Base.prototype as unknown as { classifySexpr(sexpr: unknown): string };
  function DataFirst(this: unknown) {}
  DataFirst.prototype = Object.create(Base.prototype);
  DataFirst.prototype.compiler = DataFirst;
  DataFirst.prototype.classifySexpr = function (this: unknown, sexpr: { path: { type: string; data?: boolean }; params: unknown[]; hash?: unknown }) {
    if (sexpr.path.type === 'PathExpression' && sexpr.path.data && sexpr.params.length === 0 && !sexpr.hash) return 'simple';
    return base.classifySexpr.call(this, sexpr);
  };
  return DataFirst as unknown as CompilerClass;
}

/** The built-in helpers we replace. */
export function sandboxHelpers(scope: RenderScope): Record<string, Handlebars.HelperDelegate> {
  return {
    log(...args: unknown[]) {
      fail(helperCall('log', scope, args), 'not available (templates cannot write to the renderer\'s log)');
    },
    lookup(...args: unknown[]) {
      const call = helperCall('lookup', scope, args);
      arity(call, 2, 2, '(lookup object "field")');
      const [obj, field] = call.params;
      if (typeof field !== 'string' && typeof field !== 'number') fail(call, `argument 2 (field) must be a string or number, got ${describe(field)}`, { argument: 'field' });
      if (obj === null || obj === undefined) return undefined;
      return typeof obj === 'object' && Object.hasOwn(obj, field) ? (obj as Record<string, unknown>)[field] : undefined;
    },
  };
}
