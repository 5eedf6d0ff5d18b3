import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { addressEnv, boolFromEnv, ConfigError, intFromEnv, parseEnv, parseHostPort } from './config.js';

describe('parseHostPort', () => {
  it.each([
    [':9701', { host: '0.0.0.0', port: 9701 }],
    ['127.0.0.1:5141', { host: '127.0.0.1', port: 5141 }],
    ['8080', { host: '0.0.0.0', port: 8080 }],
    ['[::1]:80', { host: '::1', port: 80 }],
    ['x:99999', undefined],
    ['nope', undefined],
  ])('%s', (input, want) => {
    expect(parseHostPort(input, '0.0.0.0')).toEqual(want);
  });
});

describe('parseEnv', () => {
  const shape = {
    SYNC_INTERVAL_MS: intFromEnv(1).default(15000),
    S3_FORCE_PATH_STYLE: boolFromEnv.default(false),
    METRICS_ADDR: addressEnv(':9701'),
    SOURCE_URL: z.string().url(),
  };
  it('applies defaults and coerces', () => {
    const env = parseEnv(shape, { SOURCE_URL: 's3://b/p', S3_FORCE_PATH_STYLE: 'false' });
    expect(env).toMatchObject({ SYNC_INTERVAL_MS: 15000, S3_FORCE_PATH_STYLE: false, METRICS_ADDR: { port: 9701 } });
    expect(Object.isFrozen(env)).toBe(true);
  });
  it('names every bad variable and unknown ones with a known prefix', () => {
    try {
      parseEnv(shape, { SYNC_INTERVAL_MS: 'soon', S3_FORCE_PATH_STYLE: 'yes', SYNC_INTERVAL: '5' }, ['SYNC_']);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const message = (err as Error).message;
      expect(message).toMatch(/SYNC_INTERVAL_MS: .*\(got "soon"\)/);
      expect(message).toMatch(/SOURCE_URL:/);
      expect(message).toMatch(/SYNC_INTERVAL: unknown variable/);
    }
  });
});
