import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from './free-port.js';
import { assertListenersFree, tryBind } from './port-check.js';

describe('assertListenersFree', () => {
  it('passes free ports, and names a busy one with its variable, the cause and the flags', async () => {
    const held = createServer();
    await new Promise<void>((r) => held.listen(0, '127.0.0.1', () => r()));
    const busy = (held.address() as { port: number }).port;
    const free = await freePort();
    try {
      expect(await tryBind('127.0.0.1', busy)).toBe('EADDRINUSE');
      await expect(assertListenersFree([{ addr: `127.0.0.1:${free}`, container: 'renderer', variable: 'STATS_BIND' }])).resolves.toBeUndefined();
      const err = await assertListenersFree([
        { addr: `127.0.0.1:${free}`, container: 'renderer', variable: 'STATS_BIND' },
        { addr: `127.0.0.1:${busy}`, container: 'renderer', variable: 'HTTP_BIND' },
        { addr: `127.0.0.1:${busy}`, container: 'haproxy-supervisor', variable: 'HTTP_BIND' },
      ]).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'DEV_PORT_BUSY' });
      const message = (err as Error).message;
      expect(message).toContain(`127.0.0.1:${busy} (renderer HTTP_BIND): Address already in use`);
      expect(message.match(/Address already in use/g)).toHaveLength(1); // a shared address is checked once
      expect(message).toMatch(/--http-port N .* --free-ports/);
    } finally {
      held.close();
    }
  });
});
