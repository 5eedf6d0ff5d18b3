import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnv } from '@api-server/core';
import { envPrefixes, envShape, maxSilenceMs, parseSourceUrl } from './config.js';

describe('parseSourceUrl', () => {
  it.each([
    ['s3://templates/prod', { kind: 's3', bucket: 'templates', prefix: 'prod/' }],
    ['s3://templates/prod/', { kind: 's3', bucket: 'templates', prefix: 'prod/' }],
    ['s3://templates/a/b', { kind: 's3', bucket: 'templates', prefix: 'a/b/' }],
    ['s3://templates', { kind: 's3', bucket: 'templates', prefix: '' }],
    ['s3://templates/', { kind: 's3', bucket: 'templates', prefix: '' }],
    ['file:///srv/templates', { kind: 'file', dir: '/srv/templates' }],
    ['file:///srv/templates/', { kind: 'file', dir: '/srv/templates' }],
  ])('%s', (url, expected) => expect(parseSourceUrl(url)).toEqual(expected));

  it.each([['http://x/y'], ['s3://ab/p'], ['s3:///p'], ['file://host/dir'], ['templates']])('refuses %s', (url) => {
    expect(typeof parseSourceUrl(url)).toBe('string');
  });
});

describe('envShape', () => {
  it('applies the defaults', () => {
    const env = parseEnv(envShape, { SOURCE_URL: 's3://templates/prod' }, envPrefixes);
    expect(env).toMatchObject({ SYNC_INTERVAL_MS: 15_000, S3_MAX_OBJECT_BYTES: 10 * 1024 * 1024, S3_MAX_OBJECTS: 5000, S3_CONCURRENCY: 8, S3_FORCE_PATH_STYLE: false });
    expect(env.AWS_REGION).toBeUndefined();
  });

  it.each([
    [{}, 'SOURCE_URL'],
    [{ SOURCE_URL: 'ftp://x' }, 'SOURCE_URL: expected s3://bucket/prefix'],
    [{ SOURCE_URL: 's3://templates', S3_FORCE_PATH_STYLE: 'maybe' }, 'S3_FORCE_PATH_STYLE'],
    [{ SOURCE_URL: 's3://templates', S3_CONCURRENCY: '0' }, 'S3_CONCURRENCY'],
    [{ SOURCE_URL: 's3://templates', S3_ENDPOINT: 'not a url' }, 'S3_ENDPOINT'],
    [{ SOURCE_URL: 's3://templates', S3_MAX_OBJECT: '5' }, 'S3_MAX_OBJECT: unknown variable'],
  ])('names the variable at fault: %j', (env, message) => {
    expect(() => parseEnv(envShape, env, envPrefixes)).toThrow(ConfigError);
    expect(() => parseEnv(envShape, env, envPrefixes)).toThrow(message);
  });
});

describe('maxSilenceMs', () => {
  it.each([
    [undefined, 120_000],
    ['200', 120_000],
    ['garbage', 120_000],
    ['300000', 420_000],
  ])('SYNC_INTERVAL_MS=%s -> %d', (raw, expected) => expect(maxSilenceMs(raw)).toBe(expected));
});
