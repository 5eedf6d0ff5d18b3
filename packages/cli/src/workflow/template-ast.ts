import { createRequire } from 'node:module';
import { HELPER_NAMES } from '@api-server/renderer';

/**
 * Static reads of a template's syntax tree, for lints the render pass cannot do:
 * a helper inside a branch the fixture never takes is still checked.
 *
 * The parser is the renderer's own Handlebars (resolved from the renderer package,
 * so both parse the same grammar): the renderer does not export a parse function,
 * and the CLI should not pin a second copy.
 */
interface Node {
  type: string;
  loc?: { start: { line: number; column: number } };
  [k: string]: unknown;
}
interface Path extends Node {
  original: string;
  parts: string[];
  depth: number;
  data: boolean;
}

const Handlebars = loadHandlebars() as { parse(source: string): Node };

/** The renderer's Handlebars; in the packed CLI (renderer bundled in) the CLI's own dependency, the same pinned version. */
function loadHandlebars(): unknown {
  const require = createRequire(import.meta.url);
  let renderer: string;
  try {
    renderer = require.resolve('@api-server/renderer');
  } catch {
    return require('handlebars');
  }
  return createRequire(renderer)('handlebars');
}

/** The renderer's helpers, Handlebars' kept built-ins included: one table, read from the renderer itself. */
const KNOWN_HELPERS: ReadonlySet<string> = new Set(HELPER_NAMES);

export interface HelperCall {
  name: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** The first argument when it is a string literal (`(service "web")` -> "web"). */
  firstString?: string;
}

/** Parses a template; null when it does not parse (the render pass reports that, with its line). */
export function parseTemplate(source: string): Node | null {
  try {
    return Handlebars.parse(source);
  } catch {
    return null;
  }
}

/**
 * Every place a name is surely used as a helper: a sub-expression `(x ...)`, or a
 * block or mustache with arguments (`{{#x a}}`, `{{x a}}`). A bare `{{x}}` or
 * `{{#x}}` may be a field of the context, so it is left to the render pass.
 */
export function helperCalls(ast: Node): HelperCall[] {
  const out: HelperCall[] = [];
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(visit);
    const n = node as Node;
    if (n.type === 'SubExpression' || n.type === 'BlockStatement' || n.type === 'MustacheStatement') {
      const path = n.path as Path | undefined;
      const params = (n.params as Node[] | undefined) ?? [];
      const hasArgs = params.length > 0 || ((n.hash as { pairs?: unknown[] } | undefined)?.pairs?.length ?? 0) > 0;
      if (path?.type === 'PathExpression' && !path.data && path.depth === 0 && path.parts.length === 1 && (n.type === 'SubExpression' || hasArgs)) {
        const first = params[0];
        const loc = path.loc?.start ?? n.loc?.start ?? { line: 1, column: 0 };
        out.push({
          name: path.original,
          line: loc.line,
          column: loc.column + 1,
          ...(first?.type === 'StringLiteral' ? { firstString: String(first.value) } : {}),
        });
      }
    }
    for (const [key, value] of Object.entries(n)) {
      if (key !== 'loc' && value && typeof value === 'object') visit(value);
    }
  };
  visit(ast);
  return out;
}

/** Helper calls to names the renderer does not define. */
export function unknownHelpers(ast: Node): HelperCall[] {
  return helperCalls(ast).filter((c) => !KNOWN_HELPERS.has(c.name));
}
