import type { HelperOptions, RenderScope } from './scope.js';

/**
 * Argument checks shared by the helpers. Handlebars passes positional params first and
 * its options object last; a misuse names the helper and the argument, not just "bad
 * input", because the person reading it is editing a template in a pull request.
 */
export interface HelperCall {
  helper: string;
  params: unknown[];
  options: HelperOptions;
  scope: RenderScope;
}

export function helperCall(helper: string, scope: RenderScope, args: unknown[]): HelperCall {
  const options = args.at(-1) as HelperOptions;
  return { helper, params: args.slice(0, -1), options, scope };
}

export function fail(call: HelperCall, message: string, context: Record<string, unknown> = {}): never {
  throw call.scope.helperError('TEMPLATE_HELPER', `${call.helper}: ${message}`, call.options, { helper: call.helper, ...context });
}

/** Checks the number of positional params. */
export function arity(call: HelperCall, min: number, max = min, usage = ''): void {
  const n = call.params.length;
  if (n < min || n > max) {
    const want = min === max ? `${min}` : `${min} to ${max}`;
    fail(call, `expected ${want} argument(s), got ${n}${usage ? ` (usage: ${usage})` : ''}`);
  }
}

/** Positional param `i` (0-based) as a string; numbers are accepted and converted. */
export function stringArg(call: HelperCall, i: number, name: string, opts: { nonEmpty?: boolean } = {}): string {
  const value = call.params[i];
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string' || (opts.nonEmpty && value === '')) {
    fail(call, `argument ${i + 1} (${name}) must be a ${opts.nonEmpty ? 'non-empty ' : ''}string, got ${describe(value)}`, { argument: name });
  }
  return value;
}

/** Rejects hash options the helper does not know (a typo like `tags="x"` must not be ignored). */
export function hashKeys(call: HelperCall, allowed: string[]): void {
  for (const key of Object.keys(call.options.hash ?? {})) {
    if (!allowed.includes(key)) {
      fail(call, `unknown option ${key}= (known: ${allowed.length ? allowed.map((a) => `${a}=`).join(', ') : 'none'})`, { argument: key });
    }
  }
}

export function hashString(call: HelperCall, key: string): string | undefined {
  const value = call.options.hash?.[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') fail(call, `option ${key}= must be a non-empty string, got ${describe(value)}`, { argument: key });
  return value;
}

export function hashBool(call: HelperCall, key: string): boolean | undefined {
  const value = call.options.hash?.[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') fail(call, `option ${key}= must be true or false (unquoted), got ${describe(value)}`, { argument: key });
  return value;
}

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing (undefined)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
