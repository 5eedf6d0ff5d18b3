import { describe, expect, it } from 'vitest';
import { addServerCommand, RuntimeApplier } from './apply.js';
import type { ServerChange } from './plan-runtime.js';

/** An admin socket that answers like HAProxy 2.6 and records what it was sent. */
function fakeSocket(): { sent: string[]; send: (c: string) => Promise<string> } {
  const sent: string[] = [];
  return {
    sent,
    send: async (command) => {
      sent.push(command);
      return command.startsWith('add server') ? 'New server registered.\n' : '';
    },
  };
}

const add = (server: string, args: string[], host = '10.0.0.1'): ServerChange => ({
  op: 'add',
  backend: 'app',
  server,
  target: { host, port: 80, weight: 1, disabled: false, args, fixed: args.join(' '), check: args.includes('check'), agent: false },
});

describe('RuntimeApplier', () => {
  it('adds dynamic servers with the connection pool a config server gets, unless the line sets one', async () => {
    const socket = fakeSocket();
    const result = await new RuntimeApplier(socket.send).apply([add('a', ['check']), add('b', ['pool-purge-delay', '200ms'])]);
    expect(result).toEqual({ ok: true, commands: 5 });
    expect(socket.sent).toEqual([
      'add server app/a 10.0.0.1:80 check pool-max-conn -1 pool-purge-delay 5s',
      'enable health app/a',
      'enable server app/a',
      'add server app/b 10.0.0.1:80 pool-purge-delay 200ms pool-max-conn -1',
      'enable server app/b',
    ]);
  });

  it.each([
    ['a ";" in a keyword value', [add('a', ['check']), add('b', ['inter', '1s;new', 'ssl', 'ca-file', '/etc/passwd'])], /app\/b.*"1s;new"/],
    ['a server name outside the identifier alphabet', [add('a;show', [])], /"app\/a;show"/],
    ['a space inside a value', [add('a', ['agent-send', 'a b'])], /not allowed/],
    ['an address update to a name', [{ op: 'update', backend: 'app', server: 'a', set: { host: 'x;y', port: 80 } } as ServerChange], /not an IP literal|character/],
  ])('sends nothing of a batch holding %s', async (_name, changes, reason) => {
    const socket = fakeSocket();
    const applier = new RuntimeApplier(socket.send);
    const result = await applier.apply(changes);
    expect(result).toMatchObject({ ok: false, failure: 'unsafe', reason: expect.stringMatching(reason) });
    expect(socket.sent).toEqual([]);
    expect(applier.pending.size).toBe(0);
  });

  it('a refused command stops the batch and says which', async () => {
    const applier = new RuntimeApplier(async (c) => (c.startsWith('add') ? 'Proxy is not dynamic.' : ''));
    expect(await applier.apply([add('a', [])])).toMatchObject({ ok: false, failure: 'refused', command: 'add server app/a 10.0.0.1:80 pool-max-conn -1 pool-purge-delay 5s' });
  });

  it('brackets IPv6 literals', () => {
    expect(addServerCommand('app/a', 'fd00::1', 8080, ['pool-max-conn', '10'])).toBe('add server app/a [fd00::1]:8080 pool-max-conn 10 pool-purge-delay 5s');
  });
});
