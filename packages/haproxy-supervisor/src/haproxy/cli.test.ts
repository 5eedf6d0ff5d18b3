import { describe, expect, it } from 'vitest';
import { cliCommand, splitAnswers } from './cli.js';

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

describe('splitAnswers', () => {
  // Bytes HAProxy 2.6.12 answered on its admin socket to five commands on one line:
  // weight, state ready, addr (changed), a server that does not exist, weight.
  const fiveCommands = "\n\nIP changed from '127.0.0.1' to '127.0.0.2', port changed from '9' to '11' by 'stats socket command'\n\nNo such server.\n\n\n";

  it('gives each command its answer', () => {
    expect(splitAnswers(fiveCommands, 5)).toEqual(['', '', "IP changed from '127.0.0.1' to '127.0.0.2', port changed from '9' to '11' by 'stats socket command'\n", 'No such server.\n', '']);
    expect(splitAnswers('New server registered.\n\n', 1)).toEqual(['New server registered.\n']);
    expect(splitAnswers('\n', 1)).toEqual(['']);
  });

  it('refuses an answer that does not split into exactly one part per command', () => {
    expect(splitAnswers(fiveCommands, 4)).toBeNull();
    expect(splitAnswers(fiveCommands, 6)).toBeNull();
    // An answer holding an empty line of its own: more parts than commands.
    expect(splitAnswers('first part\n\nsecond part\n\n', 1)).toBeNull();
    // Cut short (the connection closed mid-answer).
    expect(splitAnswers('New server regis', 1)).toBeNull();
    expect(splitAnswers('', 1)).toBeNull();
  });
});
