import { readFile } from 'node:fs/promises';
import type { CatalogFixture } from '@api-server/renderer';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { cliError } from '../error-codes.js';

const instance = z.strictObject({
  id: z.string().min(1).optional(),
  node: z.string().min(1).optional(),
  address: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  tags: z.array(z.string()).optional(),
  meta: z.record(z.string(), z.string()).optional(),
  status: z.enum(['passing', 'warning', 'critical']).optional(),
});

const fixtureSchema = z.strictObject({
  node: z.strictObject({ name: z.string().min(1), address: z.string().min(1) }).optional(),
  services: z.record(z.string().min(1), z.array(instance)).optional(),
  kv: z.record(z.string().min(1), z.string()).optional(),
  /** What `(env "NAME")` reads; these names are the allow-list, as TEMPLATE_ENV_ALLOW on a node. */
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).optional(),
});

/** A catalog fixture plus the template environment it declares. */
export interface Catalog {
  fixture: CatalogFixture;
  env: Record<string, string>;
}

/**
 * Parses a catalog fixture (JSON or YAML: JSON is YAML). Pure. Unknown fields are
 * errors: a typo like `service:` must not leave every backend empty without a word.
 */
export function parseCatalog(text: string, file: string): Catalog {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw cliError('CATALOG_INVALID', `${file}: not valid YAML/JSON: ${(err as Error).message}`, { cause: err, context: { file } });
  }
  const parsed = fixtureSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw cliError('CATALOG_INVALID', `${file}: ${issues.join('; ')}`, { context: { file, issues } });
  }
  const { env, ...fixture } = parsed.data;
  return { fixture, env: env ?? {} };
}

export async function loadCatalog(file: string): Promise<Catalog> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw cliError('CATALOG_UNREADABLE', `--catalog ${file}: ${(err as Error).message}`, { cause: err, context: { file } });
  }
  return parseCatalog(text, file);
}
