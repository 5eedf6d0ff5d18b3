import type { HelperDelegate } from 'handlebars';
import { arity, describe, fail, hashKeys, helperCall, type HelperCall } from './args.js';
import type { RenderScope } from './scope.js';

/**
 * Printable ASCII without the characters that change how HAProxy reads a config word:
 * space (next argument), `#` (comment), quotes and `\\` (quoting), `$` (environment
 * expansion), `;` (a second command on the runtime API), `%` (log-format/sample
 * expressions). At most 256 characters.
 */
const HAPROXY_ARG = /^[A-Za-z0-9!&()*+,\-./:<=>?@[\]^_`{|}~]{1,256}$/;
const INTEGER = /^-?[0-9]{1,15}$/;

/**
 * Helpers that check a value's shape before it reaches a config line. Data from Consul
 * is already free of line breaks (the sources refuse them), but a meta value such as
 * `1 check-ssl verify none` would still splice keywords into a `server` line.
 * Both helpers take an optional fallback: a value of the wrong shape then renders the
 * fallback (one instance's bad meta does not fail the whole template); without one, it
 * fails the template with its line.
 */
export function shapeHelpers(scope: RenderScope): Record<string, HelperDelegate> {
  return {
    int(...args: unknown[]) {
      const call = helperCall('int', scope, args);
      arity(call, 1, 2, '(int value) or (int value fallback min=0 max=256)');
      hashKeys(call, ['min', 'max']);
      const min = bound(call, 'min', -Number.MAX_SAFE_INTEGER);
      const max = bound(call, 'max', Number.MAX_SAFE_INTEGER);
      const value = call.params[0];
      const n = typeof value === 'number' ? value : typeof value === 'string' && INTEGER.test(value) ? Number(value) : NaN;
      if (Number.isSafeInteger(n) && n >= min && n <= max) return n;
      return orFallback(call, `an integer${min > -Number.MAX_SAFE_INTEGER || max < Number.MAX_SAFE_INTEGER ? ` in ${min}..${max}` : ''}`, (f) =>
        typeof f === 'number' && Number.isSafeInteger(f),
      );
    },
    haproxyArg(...args: unknown[]) {
      const call = helperCall('haproxyArg', scope, args);
      arity(call, 1, 2, '(haproxyArg value) or (haproxyArg value "fallback")');
      hashKeys(call, []);
      const value = call.params[0];
      const text = typeof value === 'number' ? String(value) : value;
      if (typeof text === 'string' && HAPROXY_ARG.test(text)) return text;
      return orFallback(call, 'a single HAProxy word (no spaces, #, quotes, \\\\, $, ;, %)', (f) => typeof f === 'string' && HAPROXY_ARG.test(f));
    },
  };
}

/** The fallback (param 2) when there is one and it has the right shape itself; else a failure naming the shape. */
function orFallback(call: HelperCall, shape: string, fits: (fallback: unknown) => boolean): unknown {
  if (call.params.length < 2) {
    // describe() JSON-quotes strings: a hostile value is escaped in the message.
    return fail(call, `argument 1 must be ${shape}, got ${describe(truncate(call.params[0]))} (give a fallback to render instead)`, { argument: 'value' });
  }
  const fallback = call.params[1];
  if (!fits(fallback)) fail(call, `argument 2 (fallback) must itself be ${shape}, got ${describe(fallback)}`, { argument: 'fallback' });
  return fallback;
}

function bound(call: HelperCall, key: string, otherwise: number): number {
  const value = call.options.hash?.[key];
  if (value === undefined) return otherwise;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail(call, `option ${key}= must be an integer, got ${describe(value)}`, { argument: key });
  return value;
}

function truncate(value: unknown): unknown {
  return typeof value === 'string' && value.length > 80 ? `${value.slice(0, 80)}...` : value;
}
