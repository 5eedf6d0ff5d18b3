import { connect } from 'node:net';
import { PipelineError } from '@api-server/core';

/**
 * Sends one command to an HAProxy CLI socket (master `-S` socket or admin stats
 * socket) and returns everything it answers.
 *
 * The write side is half-closed after the command: HAProxy 2.6 then closes the
 * connection once the answer is out. Without the half-close the master CLI (and now
 * and then the stats socket) leaves the connection open after a complete answer, and
 * a reader waiting for the close hangs (verified on 2.6.12).
 */
export function cliCommand(socketPath: string, command: string, opts: { timeoutMs?: number } = {}): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ path: socketPath, allowHalfOpen: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new PipelineError('HAPROXY_CLI_TIMEOUT', `no complete answer to "${command}" from ${socketPath} within ${timeoutMs} ms`, { context: { socket: socketPath, command } }));
    }, timeoutMs);
    socket.on('connect', () => socket.end(`${command}\n`));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => socket.end());
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(new PipelineError('HAPROXY_CLI_UNAVAILABLE', `cannot talk to ${socketPath}: ${err.message}`, { cause: err, context: { socket: socketPath, command } }));
    });
    socket.on('close', (hadError) => {
      clearTimeout(timer);
      if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}
