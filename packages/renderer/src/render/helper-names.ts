import { MapDataView } from '../data-view.js';
import { dataHelpers } from './helpers-data.js';
import { formatHelpers } from './helpers-format.js';
import { sandboxHelpers } from './sandbox.js';
import { RenderScope } from './scope.js';

/** Handlebars' own helpers that the sandbox keeps as they are. */
const BUILTIN = ['if', 'unless', 'each', 'with', 'helperMissing', 'blockHelperMissing'];

/**
 * Every helper name a template may call, read from the helper tables themselves so the
 * list cannot drift (`apictl validate` flags calls of anything else).
 */
export const HELPER_NAMES: readonly string[] = (() => {
  const scope = new RenderScope(new MapDataView());
  const tables = [sandboxHelpers(scope), formatHelpers(scope), dataHelpers(scope, { env: {}, envAllow: [], node: {} })];
  return Object.freeze([...BUILTIN, ...tables.flatMap((t) => Object.keys(t))]);
})();
