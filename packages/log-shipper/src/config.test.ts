import { parseEnv } from '@api-server/core';
import { describe, expect, it } from 'vitest';
import { envPrefixes, envShape, parseHeaders } from './config.js';

describe('log-shipper env', () => {
  it('has the contract defaults', () => {
    const env = parseEnv(envShape, {}, envPrefixes);
    expect(env).toMatchObject({
      LOG_DIR: '/var/log/api-server',
      SYSLOG_TCP_ADDR: { host: '127.0.0.1', port: 5141 },
      SYSLOG_UDP_ADDR: { host: '127.0.0.1', port: 5140 },
      LOG_ROTATE_KEEP: 10,
      SYSLOG_TCP_MAX_CONNECTIONS: 64,
      SYSLOG_TCP_IDLE_TIMEOUT_MS: 300_000,
      SINK_STDOUT: false,
      SINK_HTTP_OVERFLOW: 'block',
    });
  });
  it.each([
    [{ SINK_HTTP_OVERFLOW: 'drop-oldest' }, 'SINK_HTTP_OVERFLOW'],
    [{ SINK_HTTP_URL: 'ftp://x' }, 'SINK_HTTP_URL'],
    [{ SYSLOG_TCP_ADDR: 'nope' }, 'SYSLOG_TCP_ADDR'],
    [{ SYSLOG_TCP_MAX_CONNECTIONS: '0' }, 'SYSLOG_TCP_MAX_CONNECTIONS'],
    [{ SYSLOG_TCP_IDLE_TIMEOUT_MS: '10' }, 'SYSLOG_TCP_IDLE_TIMEOUT_MS'],
    [{ SINK_HTTP_BATCHBYTES: '1' }, 'SINK_HTTP_BATCHBYTES: unknown variable'],
  ])('rejects %j', (env, message) => {
    expect(() => parseEnv(envShape, env, envPrefixes)).toThrow(message);
  });
  it('parses extra headers', () => expect(parseHeaders('Authorization: Bearer x;;X-Scope-OrgID: t1')).toEqual({ Authorization: 'Bearer x', 'X-Scope-OrgID': 't1' }));
});
