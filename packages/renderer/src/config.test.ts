import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnv } from '@api-server/core';
import { rendererEnv, RENDERER_ENV_PREFIXES } from './config.js';

const parse = (env: Record<string, string>) => parseEnv(rendererEnv, env, RENDERER_ENV_PREFIXES);

describe('renderer environment', () => {
  it('defaults', () => {
    expect(parse({})).toMatchObject({
      CONSUL_HTTP_ADDR: '127.0.0.1:8500',
      CONSUL_HTTP_SSL: false,
      RENDER_WAIT_MIN_MS: 50,
      RENDER_WAIT_MAX_MS: 1000,
      RENDER_EMPTY_GRACE_MS: 30_000,
      RENDER_BLOCKING_WAIT_S: 300,
      RENDER_CONSUL_STALE: false,
      RENDER_CONSUL_MAX_STALE_MS: 2000,
      RENDER_CONSUL_CACHED: false,
      RENDER_CONSUL_CONCURRENCY: 16,
      RENDER_TIMEOUT_MS: 5000,
      RENDER_MAX_FILE_BYTES: 32 * 1024 * 1024,
      RENDER_MAX_TOTAL_BYTES: 128 * 1024 * 1024,
      RENDER_WORKER_MAX_HEAP_MB: 256,
      TEMPLATE_ENV_ALLOW: [],
    });
  });
  it('stale and cached reads', () => {
    expect(parse({ RENDER_CONSUL_STALE: 'true', RENDER_CONSUL_MAX_STALE_MS: '0', RENDER_CONSUL_CACHED: 'true' })).toMatchObject({
      RENDER_CONSUL_STALE: true,
      RENDER_CONSUL_MAX_STALE_MS: 0,
      RENDER_CONSUL_CACHED: true,
    });
  });
  it('parses lists and numbers', () => {
    expect(parse({ TEMPLATE_ENV_ALLOW: 'REGION, ZONE,', RENDER_WAIT_MIN_MS: '10' })).toMatchObject({ TEMPLATE_ENV_ALLOW: ['REGION', 'ZONE'], RENDER_WAIT_MIN_MS: 10 });
  });
  it.each([
    [{ CONSUL_HTTP_ADDR: 'unix:///tmp/consul.sock' }, /CONSUL_HTTP_ADDR: unix sockets are not supported/],
    [{ RENDER_WAIT_MIN_MS: '-1' }, /RENDER_WAIT_MIN_MS/],
    [{ RENDER_BLOCKING_WAIT_S: '601' }, /RENDER_BLOCKING_WAIT_S/],
    [{ RENDER_CONSUL_CONCURRENCY: '0' }, /RENDER_CONSUL_CONCURRENCY/],
    [{ RENDER_CONSUL_STALE: 'maybe' }, /RENDER_CONSUL_STALE/],
    [{ RENDER_TIMEOUT_MS: '0' }, /RENDER_TIMEOUT_MS/],
    [{ RENDER_MAX_FILE_BYTES: '1e3x' }, /RENDER_MAX_FILE_BYTES/],
    [{ RENDER_WORKER_MAX_HEAP_MB: '8' }, /RENDER_WORKER_MAX_HEAP_MB/],
    [{ RENDER_WAIT_MAXMS: '10' }, /RENDER_WAIT_MAXMS: unknown variable/],
    [{ TEMPLATE_ENV_ALLOWED: 'X' }, /TEMPLATE_ENV_ALLOWED: unknown variable/],
  ])('rejects %j naming the variable', (env, message) => {
    expect(() => parse(env)).toThrow(ConfigError);
    expect(() => parse(env)).toThrow(message);
  });
});
