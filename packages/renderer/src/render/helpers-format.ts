import { createHash } from 'node:crypto';
import type { HelperDelegate } from 'handlebars';
import { arity, describe, fail, helperCall, stringArg, type HelperCall } from './args.js';
import { shapeHelpers } from './helpers-shape.js';
import type { RenderScope } from './scope.js';

const ID_ALPHABET = /^[A-Za-z0-9_.:-]+$/;
/** The suffix `haproxyId` adds; a clean value that happens to end like one is suffixed too. */
const ID_SUFFIX = /__[0-9a-f]{8}$/;

/**
 * A backend or server name for any text. A value already in HAProxy's identifier
 * alphabet (letters, digits, `_ . : -`) comes back unchanged; any other (and the
 * empty string) gets its bad characters replaced by `_` and `__` plus 8 hex digits of
 * the SHA-256 of the original. So `a b` and `a_b`, or `web.1` and `web/1`, never share
 * a name (a duplicate server name makes `haproxy -c` reject the whole version): an
 * unchanged value never ends in `__<8 hex>`, and two suffixed values differ in their hash.
 */
export function haproxyId(value: string): string {
  if (ID_ALPHABET.test(value) && !ID_SUFFIX.test(value)) return value;
  const replaced = value.replace(/[^A-Za-z0-9_.:-]/g, '_') || '_';
  return `${replaced}__${createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 8)}`;
}

function list(call: HelperCall, i: number, name: string): unknown[] {
  const value = call.params[i];
  if (!Array.isArray(value)) fail(call, `argument ${i + 1} (${name}) must be a list, got ${describe(value)}`, { argument: name });
  return value;
}

/** Formatting helpers: pure functions of their arguments, no data access. */
export function formatHelpers(scope: RenderScope): Record<string, HelperDelegate> {
  return {
    join(...args: unknown[]) {
      const call = helperCall('join', scope, args);
      arity(call, 1, 2, '(join list ",")');
      const items = list(call, 0, 'list');
      const sep = call.params.length > 1 ? stringArg(call, 1, 'separator') : ',';
      return items
        .map((item, n) => {
          if (typeof item === 'string' || typeof item === 'number') return String(item);
          return fail(call, `argument 1 (list) must hold strings or numbers, item ${n + 1} is ${describe(item)}`, { argument: 'list' });
        })
        .join(sep);
    },
    toLower(...args: unknown[]) {
      const call = helperCall('toLower', scope, args);
      arity(call, 1);
      return stringArg(call, 0, 'text').toLowerCase();
    },
    toUpper(...args: unknown[]) {
      const call = helperCall('toUpper', scope, args);
      arity(call, 1);
      return stringArg(call, 0, 'text').toUpperCase();
    },
    haproxyId(...args: unknown[]) {
      const call = helperCall('haproxyId', scope, args);
      arity(call, 1);
      return haproxyId(stringArg(call, 0, 'text'));
    },
    replace(...args: unknown[]) {
      const call = helperCall('replace', scope, args);
      arity(call, 3, 3, '(replace text "from" "to")');
      const from = stringArg(call, 1, 'from', { nonEmpty: true });
      return stringArg(call, 0, 'text').split(from).join(stringArg(call, 2, 'to'));
    },
    eq(...args: unknown[]) {
      const call = helperCall('eq', scope, args);
      arity(call, 2);
      return call.params[0] === call.params[1];
    },
    ne(...args: unknown[]) {
      const call = helperCall('ne', scope, args);
      arity(call, 2);
      return call.params[0] !== call.params[1];
    },
    default(...args: unknown[]) {
      const call = helperCall('default', scope, args);
      arity(call, 2, 2, '(default value "fallback")');
      const [value, fallback] = call.params;
      return value === undefined || value === null || value === '' ? fallback : value;
    },
    len(...args: unknown[]) {
      const call = helperCall('len', scope, args);
      arity(call, 1);
      const value = call.params[0];
      if (Array.isArray(value) || typeof value === 'string') return value.length;
      if (value !== null && typeof value === 'object') return Object.keys(value).length;
      return fail(call, `argument 1 must be a list, text or object, got ${describe(value)}`, { argument: 'value' });
    },
    contains(...args: unknown[]) {
      const call = helperCall('contains', scope, args);
      arity(call, 2, 2, '(contains list item)');
      return list(call, 0, 'list').includes(call.params[1]);
    },
    ...shapeHelpers(scope),
  };
}
