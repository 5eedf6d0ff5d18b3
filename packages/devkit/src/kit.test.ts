import { describe, expect, it } from 'vitest';
import type { CommandIo } from '@api-server/cli';
import { devkitCommand } from './kit.js';

function capture(): CommandIo & { text: () => string } {
  const lines: string[] = [];
  return { out: (s) => lines.push(s), err: (s) => lines.push(s), errRaw: (s) => lines.push(s), stderrIsTty: false, text: () => lines.join('\n') };
}

describe('apictl-dev dispatch (no pod started)', () => {
  it.each([
    [['--help'], 0, /^apictl-dev \[up\]/],
    [['up', '--help'], 0, /^apictl-dev \[up\]/],
    [['help', 'register'], 0, /^apictl-dev register NAME PORT/],
    [['register', '--help'], 0, /^apictl-dev register NAME PORT/],
    [['nope', '--quiet'], 1, /nope\/templates: no such directory \(give a config repository, or --templates DIR\).*\[DEV_TEMPLATES_MISSING\]/],
    [['a', 'b'], 2, /give one config repository \(REPO\) or --templates DIR/],
    [['--http-port', 'x'], 2, /--http-port: expected a port number, got "x"/],
    [['--bogus'], 2, /Unknown option '--bogus'/],
    [['register', 'billing'], 2, /give NAME and PORT/],
    [['register', 'Bad Name', '3000'], 2, /NAME: lowercase letters, digits and "-"/],
    [['register', 'billing', '70000'], 2, /PORT: expected a port number/],
    [['register', 'billing', '3000', '--work-dir', '/nonexistent-dev'], 1, /no dev pod found: \/nonexistent-dev\/dev\.json does not exist.*\[DEV_NOT_RUNNING\]/],
  ] as const)('%j exits %i', async (argv, code, pattern) => {
    const io = capture();
    expect(await devkitCommand.run([...argv], io)).toBe(code);
    expect(io.text()).toMatch(pattern);
  });
});
