import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The render worker is its own V8 heap: every module it loads is loaded again there.
 * core's index pulls in pino, prom-client and zod (9 MB of worker heap for nothing the
 * worker uses), so the worker's modules take core's dependency-free `base` only.
 */
function packagesLoaded(entry: string): Map<string, string[]> {
  const seen = new Set<string>();
  const loaded = new Map<string, string[]>();
  const walk = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    // `import type` is erased at build: it loads nothing.
    for (const m of readFileSync(file, 'utf8').matchAll(/^(?:import|export)(?!\s+type\s)[^'";]*?from\s+'([^']+)'/gm)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) walk(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else loaded.set(spec, [...(loaded.get(spec) ?? []), file]);
    }
  };
  walk(entry);
  return loaded;
}

describe('render worker modules', () => {
  it('load handlebars, node built-ins and core/base only', () => {
    const loaded = packagesLoaded(resolve(import.meta.dirname, 'worker.ts'));
    const others = [...loaded.keys()].filter((p) => !p.startsWith('node:') && p !== 'handlebars' && p !== '@api-server/core/base');
    expect(others, JSON.stringify(Object.fromEntries(others.map((p) => [p, loaded.get(p)])))).toEqual([]);
    expect(loaded.has('handlebars')).toBe(true);
  });
});
