import { spawn } from 'node:child_process';
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from './component.js';

export const EXAMPLE_REPO = resolve(REPO_ROOT, 'examples/config-repo');
const MAIN = resolve(REPO_ROOT, 'packages/cli/dist/main.js');

export interface ApictlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a process (`node packages/cli/dist/main.js ...`), as CI would. */
export function apictl(args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<ApictlResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd: opts.cwd ?? REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** A private copy of the example config repository, to break and change. */
export async function copyExampleRepo(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'config-repo-'));
  // dereference: the example's templates/ links to the repository's own; a test must never write there.
  await cp(EXAMPLE_REPO, dir, { recursive: true, dereference: true });
  return dir;
}
