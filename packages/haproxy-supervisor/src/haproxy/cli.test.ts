import { describe, expect, it } from 'vitest';
import { cliCommand } from './cli.js';

describe('cliCommand', () => {
  it.each([
    ['a ";"', 'add server app/x 1.2.3.4:80 weight 1;new ssl ca-file /etc/passwd'],
    ['a line feed', 'show info\nshutdown frontend web'],
    ['a carriage return', 'show info\r'],
    ['a NUL byte', 'show info\0'],
    ['one unsafe command of a list', ['experimental-mode on', 'set var proc.x int(1);show info']],
  ])('refuses %s before connecting', async (_name, command) => {
    // The socket does not exist: a refusal that connected first would say HAPROXY_CLI_UNAVAILABLE.
    await expect(cliCommand('/nonexistent/admin.sock', command)).rejects.toMatchObject({ code: 'HAPROXY_CLI_UNSAFE_COMMAND' });
  });

  it('sends a safe command (and fails only because nobody listens)', async () => {
    await expect(cliCommand('/nonexistent/admin.sock', 'show info')).rejects.toMatchObject({ code: 'HAPROXY_CLI_UNAVAILABLE' });
  });
});
