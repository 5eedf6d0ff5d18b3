import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { assertSafeRelativePath, type VersionFile } from '@api-server/core';
import { execa } from 'execa';
import { parseDiagnostics, type Diagnostic } from './diagnostics.js';

export interface CheckResult {
  valid: boolean;
  /** 0 valid, 1 errors, 2 valid but no listener (HAProxy 2.6); -1 when HAProxy did not run. */
  exitCode: number;
  /** HAProxy could not be run at all (missing binary, timeout): no verdict on the config. */
  notRun: boolean;
  diagnostics: Diagnostic[];
  /** HAProxy's own output, for the log. */
  output: string;
}

/**
 * The one `haproxy -c` runner, used by the supervisor before anything goes live and by
 * `apictl validate`. Runs `haproxy -c -C <dir> -f <dir>` on a candidate written to a
 * scratch directory under `scratchRoot` (the supervisor keeps it out of `releases/`:
 * nothing there may ever be unchecked).
 * `-C` makes relative map/ACL paths resolve inside the candidate, as they will in the
 * running master.
 *
 * Exit 0 is valid; exit 2 ("valid, but no listener") is accepted too: the supervisor's
 * own admin socket is a listener in every live version, so 2 cannot come from a
 * config that HAProxy would refuse to run, and a backend-only bootstrap is legitimate.
 */
export async function checkConfig(bin: string, scratchRoot: string, files: readonly VersionFile[], opts: { timeoutMs?: number } = {}): Promise<CheckResult> {
  const dir = join(scratchRoot, `.check-${randomBytes(4).toString('hex')}`);
  try {
    // Sync writes of a few small files: an async call per file costs more CPU than the write (core's atomic-file.ts).
    for (const file of files) {
      assertSafeRelativePath(file.path);
      mkdirSync(dirname(join(dir, file.path)), { recursive: true });
      writeFileSync(join(dir, file.path), file.data);
    }
    const result = await execa(bin, ['-c', '-C', dir, '-f', dir], { reject: false, all: true, timeout: opts.timeoutMs ?? 60_000, stdin: 'ignore' });
    const output = result.all ?? '';
    const exitCode = result.exitCode ?? -1;
    if (result.failed && result.exitCode === undefined) {
      // Not HAProxy's verdict: the binary is missing or timed out. Say so plainly.
      return { valid: false, exitCode, notRun: true, output, diagnostics: [{ level: 'alert', message: `could not run ${bin} -c: ${result.shortMessage}`, detail: `could not run ${bin} -c: ${result.shortMessage}` }] };
    }
    return { valid: exitCode === 0 || exitCode === 2, exitCode, notRun: false, output: output.split(`${dir}/`).join(''), diagnostics: parseDiagnostics(output, [dir]) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
