import { describe, expect, it } from 'vitest';
import { runApictl } from './cli.js';
import type { CommandIo } from './workflow/command-io.js';

function capture(): CommandIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (s) => stdout.push(s), err: (s) => stderr.push(s), errRaw: (s) => stderr.push(s), stderrIsTty: false };
}

describe('apictl dispatch', () => {
  it.each([
    [['help', 'validate'], 0, /^apictl validate \[DIR\]/, 'stdout'],
    [['validate', '--help'], 0, /^apictl validate \[DIR\]/, 'stdout'],
    [['help'], 0, /^apictl: operate/, 'stdout'],
    [['--version'], 0, /^\d+\.\d+\.\d+$/, 'stdout'],
    [[], 2, /^apictl: operate/, 'stderr'],
    [['help', 'nope'], 2, /unknown command "nope"/, 'stderr'],
    [['nope'], 2, /unknown command "nope"/, 'stderr'],
    [['status', '--bogus'], 2, /Unknown option '--bogus'[\s\S]*apictl status --help/, 'stderr'],
    [['releases'], 1, /--to: give the release location/, 'stderr'],
  ] as const)('%j exits %i', async (argv, code, pattern, stream) => {
    const io = capture();
    expect(await runApictl([...argv], io)).toBe(code);
    expect((stream === 'stdout' ? io.stdout : io.stderr).join('\n')).toMatch(pattern);
  });

  it('lists every command with its summary', async () => {
    const io = capture();
    await runApictl(['help'], io);
    for (const name of ['validate', 'render', 'diff', 'publish', 'releases', 'rollback', 'status', 'dev', 'geoip-map', 'completion']) expect(io.stdout.join('\n')).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
  });
});
