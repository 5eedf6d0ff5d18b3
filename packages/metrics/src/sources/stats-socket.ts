import { createConnection } from 'node:net';
import { PipelineError } from '@api-server/core';
import { metricsError, type MetricsErrorCode } from '../error-codes.js';

/**
 * Sends one command to HAProxy's stats socket (non-interactive mode: HAProxy answers
 * and closes) and returns the whole answer. Any failure, including a timeout or an
 * answer cut short by a reload, is a `STATS_SOCKET_*` PipelineError naming the socket.
 */
export function queryStatsSocket(socketPath: string, command: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const socket = createConnection({ path: socketPath });
    const fail = (code: MetricsErrorCode, message: string, cause?: unknown) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(metricsError(code, message, { cause, context: { socket: socketPath, command } }));
    };
    socket.setTimeout(timeoutMs, () => fail('STATS_SOCKET_TIMEOUT', `no complete answer from ${socketPath} within ${timeoutMs} ms`));
    socket.on('connect', () => socket.write(`${command}\n`));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (err) => fail('STATS_SOCKET_UNREACHABLE', `stats socket ${socketPath}: ${err.message}`, err));
    socket.on('close', () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}
