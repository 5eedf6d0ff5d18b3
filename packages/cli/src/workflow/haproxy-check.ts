import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PipelineError, type VersionFile } from '@api-server/core';
import { parseHaproxyOutput, type HaproxyFinding } from './haproxy-output.js';

/**
 * A stand-in for the haproxy-supervisor's own `global` section (sockets, server
 * state, logging), which templates never write (ARCHITECTURE.md). Kept beside the
 * rendered directory, not inside it, so it can never clash with a template's name.
 */
export function validationGlobal(stateFile: string): string {
  return `# apictl validate: stand-in for the supervisor's global section
global
    log stdout format raw local0
    server-state-file ${stateFile}
`;
}

export interface HaproxyCheckResult {
  /** 0 valid, 1 errors, 2 valid but no listener (HAProxy 2.6). */
  exitCode: number;
  findings: HaproxyFinding[];
  output: string;
}

/**
 * Writes the rendered files to a temporary directory and runs
 * `haproxy -c -C <dir> -f <global> -f <dir>` there: relative paths in the config
 * (`maps/hosts.map`, `errors/503.http`) resolve inside the release, as on a node.
 */
export async function haproxyCheck(files: readonly VersionFile[], opts: { bin?: string } = {}): Promise<HaproxyCheckResult> {
  const root = await mkdtemp(join(tmpdir(), 'apictl-validate-'));
  const dir = join(root, 'release');
  try {
    for (const f of files) {
      await mkdir(dirname(join(dir, f.path)), { recursive: true });
      await writeFile(join(dir, f.path), f.data);
    }
    await mkdir(dir, { recursive: true });
    const global = join(root, 'global.cfg');
    // An empty state of the right version: HAProxy warns on a missing or versionless file.
    await writeFile(join(root, 'server-state'), '1\n');
    await writeFile(global, validationGlobal(join(root, 'server-state')));
    const { code, output } = await run(opts.bin ?? 'haproxy', ['-c', '-C', dir, '-f', global, '-f', dir]);
    return { exitCode: code, findings: parseHaproxyOutput(output, dir), output: output.split(`${dir}/`).join('') };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

function run(bin: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (err) =>
      reject(new PipelineError('HAPROXY_NOT_FOUND', `cannot run ${bin}: ${err.message} (install HAProxy 2.6, set --haproxy-bin, or pass --no-haproxy)`, { cause: err })),
    );
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}
