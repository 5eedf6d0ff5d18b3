import { parseEnv } from '@api-server/core';
import { describe, expect, it } from 'vitest';
import { envPrefixes, envShape, underShared } from './config.js';

describe('metrics environment', () => {
  it('applies the contract defaults', () => {
    const env = parseEnv(envShape, {});
    expect(env).toMatchObject({
      LOG_DIR: '/var/log/api-server',
      HAPROXY_STATS_SOCKET: 'run/haproxy-admin.sock',
      LOG_METRICS_ADDR: { host: '0.0.0.0', port: 3803 },
      HAPROXY_METRICS_ADDR: { host: '0.0.0.0', port: 9101 },
      LOG_METRICS_POSITION_FILE: 'state/metrics-position.json',
      LOG_METRICS_POSITION_INTERVAL_MS: 250,
    });
  });
  it('names a bad value and an unknown LOG_METRICS_ variable', () => {
    expect(() => parseEnv(envShape, { HAPROXY_METRICS_ADDR: 'nine', LOG_METRICS_MAX_SERIE: '5' }, envPrefixes)).toThrow(
      /HAPROXY_METRICS_ADDR: .*\(got "nine"\)[\s\S]*LOG_METRICS_MAX_SERIE: unknown variable/,
    );
  });
  it('resolves relative paths under SHARED_DIR', () => {
    expect(underShared('/shared', 'run/haproxy-admin.sock')).toBe('/shared/run/haproxy-admin.sock');
    expect(underShared('/shared', '/run/x.sock')).toBe('/run/x.sock');
  });
});
