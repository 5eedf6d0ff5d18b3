import type Handlebars from 'handlebars';
import type { Query } from '../queries.js';
import type { RenderScope } from './scope.js';

/** One `{{#each}}` iteration's output and what it read. */
interface Entry {
  /** The iteration's data variables (`@index`, `@key`, `@first`, `@last`, then those of each loop around it). */
  data: unknown[];
  /** Flat (see store). */
  out: string;
  reads: ReadonlyArray<{ query: Query; value: unknown }>;
}

/** Iterations whose output is larger than this are rendered every time (the memo would hold the file twice). */
const MAX_ENTRY_CHARS = 256 * 1024;
/** The memo starts over past this many cached characters. */
const MAX_TOTAL_CHARS = 16 * 1024 * 1024;

/**
 * Outputs of `{{#each}}` iterations, reused while nothing they depend on changed. A
 * health flip changes one service's instances; rendering 1,000 backends x 10 servers
 * again cost ~100 ms per flip, re-rendering only that backend ~1 ms.
 *
 * An iteration's output is a function of: the template text (the memo starts over
 * when any template, partial or render option changes: {@link IterationMemo.begin}),
 * the loop body (file and program), the item (by identity: answers are immutable and
 * replaced, never changed, when Consul changes), the data variables, and the query
 * answers it read (recorded; each must be the same answer, by identity, for a reuse).
 * Helpers are pure functions of their arguments and those answers. What this cannot
 * see (a body reading `../` or block parameters of an outer loop, decorators) turns
 * the memo off for the whole tree, and items that are not objects are not cached.
 */
export class IterationMemo {
  /** Iterations served from the memo, and rendered (cached or not), since the process started. */
  readonly stats = { hits: 0, misses: 0 };
  private tables = new Map<string, WeakMap<object, Entry>>();
  private key = '';
  private chars = 0;

  /** A render starts with these templates and options: anything else than last time empties the memo. */
  begin(key: string): void {
    if (key === this.key) return;
    this.key = key;
    this.reset();
  }

  /**
   * Wraps `each` so each iteration of an object item goes through the memo. `file`
   * names the template or partial being rendered; `enabled` is false when the tree
   * uses what the memo cannot see.
   */
  install(hb: typeof Handlebars, scope: RenderScope, enabled: () => boolean): void {
    const each = hb.helpers['each'] as Handlebars.HelperDelegate;
    const memo = this;
    hb.registerHelper('each', function (this: unknown, context: unknown, options: Handlebars.HelperOptions) {
      if (!options || typeof options.fn !== 'function' || !enabled()) return each.call(this, context, options);
      const inner = options.fn as Handlebars.TemplateDelegate & { program?: number; depth?: number };
      if (inner.program === undefined || inner.depth) return each.call(this, context, options);
      const table = memo.table(`${scope.where().template}\0${inner.program}`);
      const fn = Object.assign(function (this: unknown, item: unknown, opts?: { data?: unknown }) {
        if (item === null || typeof item !== 'object') return inner.call(this, item, opts);
        const hit = table.get(item);
        if (hit && sameData(hit.data, opts?.data) && scope.replay(hit.reads)) {
          memo.stats.hits++;
          return hit.out;
        }
        memo.stats.misses++;
        const recorded = scope.record(() => inner.call(this, item, opts));
        if (!recorded.missing) memo.store(table, item, { data: dataValues(opts?.data), out: recorded.value, reads: recorded.reads });
        return recorded.value;
      }, inner);
      return each.call(this, context, { ...options, fn });
    });
  }

  private table(key: string): WeakMap<object, Entry> {
    let table = this.tables.get(key);
    if (!table) this.tables.set(key, (table = new WeakMap()));
    return table;
  }

  private store(table: WeakMap<object, Entry>, item: object, entry: Entry): void {
    if (entry.out.length > MAX_ENTRY_CHARS) return;
    // A rendered string is a rope of every piece the loop appended; kept as is, each
    // render's output would be a rope of ropes and encoding it (Buffer.from) walks them
    // all again: 6 of the 10 ms of a 1,000 x 10 render. A flat copy is walked once.
    entry.out = Buffer.from(entry.out, 'utf8').toString('utf8');
    this.chars += entry.out.length;
    if (this.chars > MAX_TOTAL_CHARS) {
      this.reset();
      return;
    }
    table.set(item, entry);
  }

  private reset(): void {
    this.tables = new Map();
    this.chars = 0;
  }
}

/** The data variables an iteration may read, its own and its enclosing loops'. */
const DATA_VARIABLES = ['index', 'key', 'first', 'last'] as const;

type Frame = Record<string, unknown> | undefined;
const parentOf = (d: Frame): Frame => d?.['_parent'] as Frame;
const isFrame = (d: Frame): d is Record<string, unknown> => d !== null && typeof d === 'object';

/** An iteration's data variables as a flat list, stored with its output. */
function dataValues(data: unknown): unknown[] {
  const out: unknown[] = [];
  for (let d = data as Frame; isFrame(d); d = parentOf(d)) for (const name of DATA_VARIABLES) out.push(d[name]);
  return out;
}

/**
 * Whether `data` holds the variables stored. Compared in place, not through a key built
 * per iteration: at 1,000 services that key was a third of the render worker's garbage.
 */
function sameData(stored: readonly unknown[], data: unknown): boolean {
  let i = 0;
  for (let d = data as Frame; isFrame(d); d = parentOf(d)) {
    // Indexed: a for-of allocates an iterator result per step without TurboFan (as deployed).
    for (let k = 0; k < DATA_VARIABLES.length; k++) if (i >= stored.length || !Object.is(stored[i++], d[DATA_VARIABLES[k]!])) return false;
  }
  return i === stored.length;
}
