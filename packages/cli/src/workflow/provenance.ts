import { execFile } from 'node:child_process';
import { hostname, userInfo } from 'node:os';
import { promisify } from 'node:util';
import type { Provenance } from './publish.js';

const run = promisify(execFile);

/**
 * Who published what, for `apictl releases`: flags first, then the checkout's last
 * commit, then the CI's variables (GitHub Actions), then the local user. A tree with
 * uncommitted changes is marked `dirty` (unless --commit names the commit explicitly).
 */
export async function provenance(dir: string, flags: { author?: string; commit?: string; message?: string }, env: NodeJS.ProcessEnv = process.env): Promise<Provenance> {
  let git: { commit: string; author: string; subject: string } | undefined;
  try {
    const { stdout } = await run('git', ['-C', dir, 'log', '-1', '--format=%H%x00%an <%ae>%x00%s'], { timeout: 5_000 });
    const [commit, author, subject] = stdout.trim().split('\0');
    if (commit) git = { commit, author: author ?? '', subject: subject ?? '' };
  } catch {
    // Not a git checkout, or no git: fine.
  }
  const dirty = git && !flags.commit ? await uncommitted(dir) : false;
  const user = (() => {
    try {
      return `${userInfo().username}@${hostname()}`;
    } catch {
      return 'unknown';
    }
  })();
  return {
    author: flags.author ?? env.GITHUB_ACTOR ?? git?.author ?? user,
    commit: flags.commit ?? env.GITHUB_SHA ?? git?.commit ?? null,
    message: flags.message ?? git?.subject ?? '',
    ...(dirty ? { dirty: true } : {}),
  };
}

/** Whether `dir` (the published tree only) differs from HEAD: modified, staged or untracked files. */
async function uncommitted(dir: string): Promise<boolean> {
  try {
    const { stdout } = await run('git', ['-C', dir, 'status', '--porcelain', '--untracked-files=normal', '--', '.'], { timeout: 5_000 });
    return stdout.trim() !== '';
  } catch {
    return false;
  }
}
