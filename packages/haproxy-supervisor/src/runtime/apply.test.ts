import { describe, expect, it } from 'vitest';
import { addServerCommand, RuntimeApplier } from './apply.js';
import type { ServerChange } from './plan-runtime.js';

/** An admin socket that answers like HAProxy 2.6 and records what it was sent (`lines`: one entry per connection). */
function fakeSocket(answer: (command: string) => string = (c) => (c.startsWith('add server') ? 'New server registered.\n' : '')): {
  sent: string[];
  lines: string[][];
  send: (commands: readonly string[]) => Promise<string[]>;
} {
  const sent: string[] = [];
  const lines: string[][] = [];
  return {
    sent,
    lines,
    send: async (commands) => {
      lines.push([...commands]);
      sent.push(...commands);
      return commands.map(answer);
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
    const applier = new RuntimeApplier(fakeSocket((c) => (c.startsWith('add') ? 'Proxy is not dynamic.' : '')).send);
    expect(await applier.apply([add('a', [])])).toMatchObject({ ok: false, failure: 'refused', command: 'add server app/a 10.0.0.1:80 pool-max-conn -1 pool-purge-delay 5s' });
  });

  it('sends a change on one line; a long batch on as few lines as fit, no step split, none after a refused line', async () => {
    const socket = fakeSocket();
    expect(await new RuntimeApplier(socket.send).apply([add('a', ['check']), add('b', [])])).toEqual({ ok: true, commands: 5 });
    expect(socket.lines).toHaveLength(1);
    // 200 adds of ~1 KB each: lines of at most 8 KB, each server's commands together.
    const long = Array.from({ length: 200 }, (_, i) => add(`s${i}`, ['check', 'agent-send', 'x'.repeat(1000)]));
    const big = fakeSocket();
    expect(await new RuntimeApplier(big.send).apply(long)).toEqual({ ok: true, commands: 600 });
    expect(big.lines.length).toBeGreaterThan(25);
    for (const line of big.lines) {
      expect(line.join('; ').length).toBeLessThanOrEqual(8 * 1024);
      expect(line.length % 3).toBe(0);
    }
    // The 50th server is refused: the lines after its own are not sent.
    const refusing = fakeSocket((c) => (c.startsWith('add server app/s49 ') ? 'No such backend.' : c.startsWith('add') ? 'New server registered.\n' : ''));
    expect(await new RuntimeApplier(refusing.send).apply(long)).toMatchObject({ ok: false, failure: 'refused', command: expect.stringMatching(/^add server app\/s49 /) });
    const at = refusing.lines.findIndex((l) => l.some((c) => c.startsWith('add server app/s49 ')));
    expect(refusing.lines).toHaveLength(at + 1);
  });

  it('brackets IPv6 literals', () => {
    expect(addServerCommand('app/a', 'fd00::1', 8080, ['pool-max-conn', '10'])).toBe('add server app/a [fd00::1]:8080 pool-max-conn 10 pool-purge-delay 5s');
  });
});
