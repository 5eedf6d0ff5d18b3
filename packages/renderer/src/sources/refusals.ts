import type { CatalogService, KvPair, ServiceInstance } from '../queries.js';
import { serviceNameProblem } from './kv-path.js';
import { addressProblem, escapeValue, fieldProblems, listProblems, mapProblems, portProblem, text, textProblem, type FieldProblem } from './untrusted.js';

/**
 * One value the renderer refused to hand to templates: which query brought it, which
 * service instance, catalog service or KV key it belonged to (escaped), which field,
 * and why. The instance (or key, or catalog service) is left out; everything else renders.
 */
export interface Refusal {
  query: string;
  service?: string;
  instance?: string;
  key?: string;
  field: string;
  reason: string;
}

/** Where a normalizer reports what it left out (the query id is added by the caller). */
export type Refuse = (refusal: Omit<Refusal, 'query'>) => void;

/** An instance as normalized from Consul or a fixture, before its fields are trusted. */
export type CandidateInstance = { [K in keyof ServiceInstance]: unknown };

/** Every problem of one instance: IDs and names as text, a usable address and port, tags and meta as text. */
function instanceProblems(i: CandidateInstance): FieldProblem[] {
  return [
    ...fieldProblems([
      ['id', i.id, text],
      ['name', i.name, text],
      ['node', i.node, text],
      ['address', i.address, addressProblem],
      ['port', i.port, portProblem],
    ]),
    ...listProblems('tags', i.tags),
    ...mapProblems('meta', i.meta),
  ];
}

/**
 * Every problem of one `(services)` entry: its name (also one `(service name)` can ask
 * for: a service registered as `..` would otherwise fail every template that loops over
 * `(services)`) and its tags.
 */
function catalogServiceProblems(s: { name: unknown; tags: unknown }): FieldProblem[] {
  const name = (v: unknown) => text(v) ?? serviceNameProblem(v as string);
  return [...fieldProblems([['name', s.name, name]]), ...listProblems('tags', s.tags, Infinity)];
}

/** Every problem of one KV pair: its key (relative to the prefix) and its value. */
function kvPairProblems(p: { key: unknown; value: unknown }): FieldProblem[] {
  return fieldProblems([
    ['key', p.key, text],
    ['value', p.value, text],
  ]);
}

/**
 * The candidates without problems, as `T`; each refused one is reported once per
 * problem, named by `describe` (its service, instance or key, escaped).
 */
function keepValid<C, T>(
  candidates: readonly C[],
  problems: (c: C) => FieldProblem[],
  describe: (c: C) => Partial<Pick<Refusal, 'service' | 'instance' | 'key'>>,
  refuse: Refuse | undefined,
): T[] {
  const kept: T[] = [];
  for (const candidate of candidates) {
    const found = problems(candidate);
    if (found.length === 0) kept.push(candidate as unknown as T);
    else for (const p of found) refuse?.({ ...describe(candidate), field: p.field, reason: p.reason });
  }
  return kept;
}

/** Names for a refused instance, escaped. */
const describeInstance = (i: CandidateInstance) => ({ service: escapeValue(i.name), instance: escapeValue(i.id) });

/** Health instances that may reach templates (see `instanceProblems`). */
export function validInstances(candidates: readonly CandidateInstance[], refuse?: Refuse): ServiceInstance[] {
  return keepValid(candidates, instanceProblems, describeInstance, refuse);
}

/** Catalog services that may reach templates. */
export function validCatalogServices(candidates: ReadonlyArray<{ name: unknown; tags: unknown }>, refuse?: Refuse): CatalogService[] {
  return keepValid(candidates, catalogServiceProblems, (s) => ({ service: escapeValue(s.name) }), refuse);
}

/** KV pairs that may reach templates. */
export function validKvPairs(candidates: ReadonlyArray<{ key: unknown; path: unknown; value: unknown }>, refuse?: Refuse): KvPair[] {
  return keepValid(candidates, kvPairProblems, (p) => ({ key: escapeValue(p.path) }), refuse);
}

/** One KV value: the value, or null (as if absent) when it is refused. */
export function validKvValue(key: string, value: string | null, refuse?: Refuse): string | null {
  if (value === null) return null;
  const reason = textProblem(value);
  if (!reason) return value;
  refuse?.({ key: escapeValue(key), field: 'value', reason });
  return null;
}
