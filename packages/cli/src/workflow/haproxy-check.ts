import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type VersionFile } from '@api-server/core';
import { checkConfig, checkGlobal, withGlobal, type CheckResult } from '@api-server/haproxy';
import { cliError } from '../error-codes.js';

/**
 * `haproxy -c` on rendered files exactly as a node runs them: the supervisor's own
 * global file added under its reserved name (the one runner and the one global from
 * @api-server/haproxy), relative paths (`maps/hosts.map`) resolving inside the release.
 */
export async function haproxyCheck(files: readonly VersionFile[], opts: { bin?: string } = {}): Promise<CheckResult> {
  const root = await mkdtemp(join(tmpdir(), 'apictl-validate-'));
  const bin = opts.bin ?? 'haproxy';
  try {
    // An empty state of the right version: HAProxy warns on a missing or versionless file.
    await writeFile(join(root, 'server-state'), '1\n');
    const result = await checkConfig(bin, root, withGlobal(files, checkGlobal(root)));
    if (result.notRun) {
      throw cliError('HAPROXY_NOT_FOUND', `cannot run ${bin}: ${result.diagnostics[0]?.detail ?? 'unknown error'} (install HAProxy 2.6, set --haproxy-bin, or pass --no-haproxy)`, { context: { bin } });
    }
    return result;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
