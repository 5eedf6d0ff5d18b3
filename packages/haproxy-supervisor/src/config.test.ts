import { parseEnv } from '@api-server/core';
import { describe, expect, it } from 'vitest';
import { envPrefixes, envShape, globalOptions, supervisorSettings } from './config.js';

describe('supervisor env', () => {
  it.each([
    ['unset', {}],
    ['true (accepted, changes nothing)', { HAPROXY_RUNTIME_CHECK: 'true' }],
  ])('HAPROXY_RUNTIME_CHECK %s starts', (_name, env) => {
    expect(() => parseEnv(envShape, env, envPrefixes)).not.toThrow();
  });

  it('HAPROXY_RUNTIME_CHECK=false is refused: live/current never holds an unchecked version', () => {
    expect(() => parseEnv(envShape, { HAPROXY_RUNTIME_CHECK: 'false' }, envPrefixes)).toThrow(/HAPROXY_RUNTIME_CHECK.*retired/s);
  });

  it.each([
    ['defaults', {}, { drainSeconds: 0, bindCheck: true, stopTimeoutMs: 35_000, minReloadIntervalMs: 1000, deleteTimeoutMs: 30_000, runtimeUpdates: true }],
    [
      'set',
      { DRAIN_SECONDS: '5', HAPROXY_BIND_CHECK: 'false', HAPROXY_HARD_STOP_AFTER: '1m', HAPROXY_MIN_RELOAD_INTERVAL: '250ms', HAPROXY_DELETE_TIMEOUT: '2s', HAPROXY_RUNTIME_UPDATES: 'false' },
      { drainSeconds: 5, bindCheck: false, stopTimeoutMs: 65_000, minReloadIntervalMs: 250, deleteTimeoutMs: 2000, runtimeUpdates: false },
    ],
  ])('supervisorSettings: %s', (_name, raw, expected) => {
    expect(supervisorSettings(parseEnv(envShape, raw, envPrefixes))).toEqual(expected);
  });

  it.each([
    ['defaults: TCP to the log-shipper, no UDP', {}, { host: '127.0.0.1', port: 5141 }, null],
    ['UDP on, TCP off', { SYSLOG_TCP_ADDR: 'off', SYSLOG_UDP_ADDR: '127.0.0.1:5140' }, null, { host: '127.0.0.1', port: 5140 }],
    ['TCP set to the empty string: off', { SYSLOG_TCP_ADDR: '' }, null, null],
  ])('globalOptions: %s', (_name, raw, tcp, udp) => {
    const paths = { adminSocket: '/s/run/haproxy-admin.sock', serverStateFile: '/s/run/haproxy-server-state' };
    expect(globalOptions(parseEnv(envShape, raw, envPrefixes), paths, raw)).toEqual({
      ...paths,
      syslogTcp: tcp,
      syslogUdp: udp,
      hardStopAfter: '30s',
      closeSpreadTime: '0',
      maxReloads: 50,
    });
  });
});
