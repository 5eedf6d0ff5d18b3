import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Creates `live/` and removes the scratch directories (`.check-*`) of checks a killed supervisor never finished. */
export async function prepareLiveRoot(root: string): Promise<void> {
  await mkdir(root, { recursive: true });
  for (const name of await readdir(root)) if (name.startsWith('.check-')) await rm(join(root, name), { recursive: true, force: true });
}
