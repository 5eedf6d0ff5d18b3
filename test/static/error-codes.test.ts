import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const PACKAGES = join(ROOT, 'packages');

/** Every non-test TypeScript source of a package. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

const CODE = /'([A-Z][A-Z0-9_]+)'/g;
const literals = (text: string) => [...text.matchAll(CODE)].map((m) => m[1]!);

/** The codes of `export type <Name>ErrorCode = 'A' | 'B';` declarations in a package (a union may name another package's type). */
function declaredCodes(files: string[]): Set<string> {
  const out = new Set<string>();
  for (const file of files) {
    for (const m of readFileSync(file, 'utf8').matchAll(/export type \w+ErrorCode =([^;]+);/g)) for (const c of literals(m[1]!)) out.add(c);
  }
  return out;
}

/**
 * The codes a package raises: the first argument of `new PipelineError(...)`, of a
 * code-bound helper (`syncError(`, `helperError(`, `fail(`), or the literals of a
 * `const code = ... ? 'A' : 'B'` feeding one (the test's reach: a code built
 * any other way is not seen, which the TypeScript unions catch where a package uses its helper).
 */
function raisedCodes(files: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const calls = [...text.matchAll(/(?:new PipelineError(?:<[^>]*>)?|\b\w*[eE]rror|\bfail)\(\s*(?:\w+ \? )?'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)'(?: : '([A-Z][A-Z0-9_]+)')?/g)].flatMap((m) => [m[1], m[2]]);
    // The branches of a conditional (`? 'A' : 'B'`), not the literals it compares against.
    const assigned = [...text.matchAll(/const code =([^;]+);/g)].flatMap((m) => [...m[1]!.matchAll(/[?:]\s*'([A-Z][A-Z0-9_]+)'/g)].map((b) => b[1]!));
    for (const c of [...calls, ...assigned]) if (c) out.set(c, file.slice(ROOT.length + 1));
  }
  return out;
}

const packages = readdirSync(PACKAGES).filter((p) => statSync(join(PACKAGES, p, 'src'), { throwIfNoEntry: false })?.isDirectory());
const files = new Map(packages.map((p) => [p, sources(join(PACKAGES, p, 'src'))]));
const shared = new Set([...declaredCodes(files.get('core') ?? []), ...declaredCodes(files.get('release') ?? [])]);
const docs = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');

describe('error codes (docs/architecture.md "Error codes")', () => {
  it.each(packages)('every code %s raises is in its ErrorCode union (or core\'s / release\'s)', (pkg) => {
    const declared = declaredCodes(files.get(pkg)!);
    const undeclared = [...raisedCodes(files.get(pkg)!)].filter(([code]) => !declared.has(code) && !shared.has(code)).map(([code, file]) => `${code} (${file})`);
    expect(undeclared).toEqual([]);
  });

  it('every declared code has a row in the table', () => {
    const all = new Set([...files.values()].flatMap((f) => [...declaredCodes(f)]));
    expect(all.size).toBeGreaterThan(50);
    expect([...all].filter((c) => !docs.includes(`| \`${c}\` |`)).sort()).toEqual([]);
  });

  it('CONFIG_INVALID means one thing: the environment failed its schema (exit 2)', () => {
    const users = [...files].flatMap(([pkg, f]) => (raisedCodes(f).has('CONFIG_INVALID') ? [pkg] : []));
    const literal = [...files.values()].flat().filter((f) => /'CONFIG_INVALID'/.test(readFileSync(f, 'utf8')) && !f.includes('/core/src/'));
    expect(users.filter((p) => p !== 'core')).toEqual([]);
    expect(literal.map((f) => f.slice(ROOT.length + 1))).toEqual([]);
  });
});
